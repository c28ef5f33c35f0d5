-- Every district of each city (issue 11): the old site's rows name real
-- districts, and one missing here refuses them. Beijing has 16 districts;
-- Shanghai 16; Guangzhou 11; Shenzhen 9 and the 大鹏 new area; Chengdu 12
-- districts, 5 county-level cities and 3 counties, beside the 高新 zone.
-- Positions follow each city's existing ones.

-- +goose Up
INSERT IGNORE INTO areas (city, district, city_name, district_name, position) VALUES
('beijing', 'fangshan', '北京', '房山区', 111), ('beijing', 'mentougou', '北京', '门头沟区', 112),
('beijing', 'huairou', '北京', '怀柔区', 113), ('beijing', 'pinggu', '北京', '平谷区', 114),
('beijing', 'miyun', '北京', '密云区', 115), ('beijing', 'yanqing', '北京', '延庆区', 116),
('shanghai', 'jiading', '上海', '嘉定区', 211), ('shanghai', 'jinshan', '上海', '金山区', 212),
('shanghai', 'songjiang', '上海', '松江区', 213), ('shanghai', 'qingpu', '上海', '青浦区', 214),
('shanghai', 'fengxian', '上海', '奉贤区', 215), ('shanghai', 'chongming', '上海', '崇明区', 216),
('guangzhou', 'huangpu', '广州', '黄埔区', 307), ('guangzhou', 'huadu', '广州', '花都区', 308),
('guangzhou', 'nansha', '广州', '南沙区', 309), ('guangzhou', 'conghua', '广州', '从化区', 310),
('guangzhou', 'zengcheng', '广州', '增城区', 311),
('shenzhen', 'yantian', '深圳', '盐田区', 407), ('shenzhen', 'pingshan', '深圳', '坪山区', 408),
('shenzhen', 'guangming', '深圳', '光明区', 409), ('shenzhen', 'dapeng', '深圳', '大鹏新区', 410),
('chengdu', 'longquanyi', '成都', '龙泉驿区', 507), ('chengdu', 'qingbaijiang', '成都', '青白江区', 508),
('chengdu', 'xindu', '成都', '新都区', 509), ('chengdu', 'wenjiang', '成都', '温江区', 510),
('chengdu', 'shuangliu', '成都', '双流区', 511), ('chengdu', 'pidu', '成都', '郫都区', 512),
('chengdu', 'xinjin', '成都', '新津区', 513), ('chengdu', 'jianyang', '成都', '简阳市', 514),
('chengdu', 'dujiangyan', '成都', '都江堰市', 515), ('chengdu', 'pengzhou', '成都', '彭州市', 516),
('chengdu', 'qionglai', '成都', '邛崃市', 517), ('chengdu', 'chongzhou', '成都', '崇州市', 518),
('chengdu', 'jintang', '成都', '金堂县', 519), ('chengdu', 'dayi', '成都', '大邑县', 520),
('chengdu', 'pujiang', '成都', '蒲江县', 521);

-- +goose Down
DELETE FROM areas WHERE (city, district) IN (
('beijing', 'fangshan'), ('beijing', 'mentougou'), ('beijing', 'huairou'), ('beijing', 'pinggu'),
('beijing', 'miyun'), ('beijing', 'yanqing'),
('shanghai', 'jiading'), ('shanghai', 'jinshan'), ('shanghai', 'songjiang'), ('shanghai', 'qingpu'),
('shanghai', 'fengxian'), ('shanghai', 'chongming'),
('guangzhou', 'huangpu'), ('guangzhou', 'huadu'), ('guangzhou', 'nansha'), ('guangzhou', 'conghua'),
('guangzhou', 'zengcheng'),
('shenzhen', 'yantian'), ('shenzhen', 'pingshan'), ('shenzhen', 'guangming'), ('shenzhen', 'dapeng'),
('chengdu', 'longquanyi'), ('chengdu', 'qingbaijiang'), ('chengdu', 'xindu'), ('chengdu', 'wenjiang'),
('chengdu', 'shuangliu'), ('chengdu', 'pidu'), ('chengdu', 'xinjin'), ('chengdu', 'jianyang'),
('chengdu', 'dujiangyan'), ('chengdu', 'pengzhou'), ('chengdu', 'qionglai'), ('chengdu', 'chongzhou'),
('chengdu', 'jintang'), ('chengdu', 'dayi'), ('chengdu', 'pujiang'));
