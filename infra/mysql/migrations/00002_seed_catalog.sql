-- The fixed dictionary listings refer to: a few real cities with their
-- districts, and the facilities a landlord can tick. Codes are stable;
-- names are what the site shows.

-- +goose Up
INSERT IGNORE INTO areas (city, district, city_name, district_name, position) VALUES
('beijing', 'dongcheng', '北京', '东城区', 101), ('beijing', 'xicheng', '北京', '西城区', 102),
('beijing', 'chaoyang', '北京', '朝阳区', 103), ('beijing', 'haidian', '北京', '海淀区', 104),
('beijing', 'fengtai', '北京', '丰台区', 105), ('beijing', 'shijingshan', '北京', '石景山区', 106),
('beijing', 'tongzhou', '北京', '通州区', 107), ('beijing', 'changping', '北京', '昌平区', 108),
('beijing', 'daxing', '北京', '大兴区', 109), ('beijing', 'shunyi', '北京', '顺义区', 110),
('shanghai', 'huangpu', '上海', '黄浦区', 201), ('shanghai', 'xuhui', '上海', '徐汇区', 202),
('shanghai', 'changning', '上海', '长宁区', 203), ('shanghai', 'jingan', '上海', '静安区', 204),
('shanghai', 'putuo', '上海', '普陀区', 205), ('shanghai', 'hongkou', '上海', '虹口区', 206),
('shanghai', 'yangpu', '上海', '杨浦区', 207), ('shanghai', 'pudong', '上海', '浦东新区', 208),
('shanghai', 'minhang', '上海', '闵行区', 209), ('shanghai', 'baoshan', '上海', '宝山区', 210),
('guangzhou', 'yuexiu', '广州', '越秀区', 301), ('guangzhou', 'tianhe', '广州', '天河区', 302),
('guangzhou', 'haizhu', '广州', '海珠区', 303), ('guangzhou', 'liwan', '广州', '荔湾区', 304),
('guangzhou', 'baiyun', '广州', '白云区', 305), ('guangzhou', 'panyu', '广州', '番禺区', 306),
('shenzhen', 'futian', '深圳', '福田区', 401), ('shenzhen', 'luohu', '深圳', '罗湖区', 402),
('shenzhen', 'nanshan', '深圳', '南山区', 403), ('shenzhen', 'baoan', '深圳', '宝安区', 404),
('shenzhen', 'longgang', '深圳', '龙岗区', 405), ('shenzhen', 'longhua', '深圳', '龙华区', 406),
('chengdu', 'jinjiang', '成都', '锦江区', 501), ('chengdu', 'qingyang', '成都', '青羊区', 502),
('chengdu', 'jinniu', '成都', '金牛区', 503), ('chengdu', 'wuhou', '成都', '武侯区', 504),
('chengdu', 'chenghua', '成都', '成华区', 505), ('chengdu', 'gaoxin', '成都', '高新区', 506);

INSERT IGNORE INTO facilities (code, name, position) VALUES
('fridge', '冰箱', 0), ('washer', '洗衣机', 1), ('tv', '电视', 2), ('ac', '空调', 3),
('heating', '暖气', 4), ('water_heater', '热水器', 5), ('gas', '天然气', 6), ('bed', '床', 7),
('wifi', '宽带', 8), ('elevator', '电梯', 9);

-- +goose Down
DELETE FROM facilities;
DELETE FROM areas;
