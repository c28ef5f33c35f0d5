-- MariaDB dump 10.19  Distrib 10.3.39-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: house
-- ------------------------------------------------------
-- Server version	10.3.39-MariaDB-0+deb10u1
--
-- A small dump of the old Flask site's database, written for the tests of
-- `rentalctl import`: the tables exactly as the old site's models.py defines
-- them (Flask-SQLAlchemy's create_all: its column order, String(100) as
-- varchar(100), TEXT as text), real-looking rows, and rows the import must
-- report instead of importing (marked in the comments below the inserts).
-- The old site served Beijing only: region is a district of Beijing, block
-- the 商圈, address the 小区 (community), house_num the 房源编号.

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `house_info`
--

DROP TABLE IF EXISTS `house_info`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `house_info` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `title` varchar(100) DEFAULT NULL,
  `rooms` varchar(100) DEFAULT NULL,
  `area` varchar(100) DEFAULT NULL,
  `price` varchar(100) DEFAULT NULL,
  `direction` varchar(100) DEFAULT NULL,
  `rent_type` varchar(100) DEFAULT NULL,
  `region` varchar(100) DEFAULT NULL,
  `block` varchar(100) DEFAULT NULL,
  `address` varchar(100) DEFAULT NULL,
  `traffic` varchar(100) DEFAULT NULL,
  `publish_time` int(11) DEFAULT NULL,
  `facilities` text DEFAULT NULL,
  `highlights` text DEFAULT NULL,
  `matching` text DEFAULT NULL,
  `travel` text DEFAULT NULL,
  `page_views` int(11) DEFAULT NULL,
  `landlord` varchar(100) DEFAULT NULL,
  `phone_num` varchar(100) DEFAULT NULL,
  `house_num` varchar(100) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=17 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `house_info`
--

LOCK TABLES `house_info` WRITE;
/*!40000 ALTER TABLE `house_info` DISABLE KEYS */;
INSERT INTO `house_info` VALUES (1,'精装两居 近地铁 采光好','2室1厅','89平方米','5800元/月','南北','整租','海淀','中关村','华清嘉园','距离10号线五道口站500米',1556668800,'冰箱-洗衣机-空调-热水器-Wi-Fi','南北通透,拎包入住','周边有超市、医院、学校','步行10分钟到地铁站',1203,'王先生','13800138001','BJ2019050100001'),(2,'望京 合租主卧 独立卫生间','3室1厅1卫','18.5㎡','2300','南','合租','朝阳','望京','望京西园四区','距离14号线望京站800米',1559347200,'床-Wi-Fi-热水器','独卫,可短租','望京SOHO商圈','公交站旁',87,'王先生','138 0013 8001','BJ2019060100002'),(3,'长阳 一居 新房 家电齐全','１室１厅','４５平米','３２００元／月','东','整租','房山','长阳','长阳半岛','房山线长阳站步行5分钟',1561939200,'空调-电视-冰箱-洗衣机-电梯-阳台','新房首租','长阳天街','出门即地铁',2410,'李女士','+86 139-0013-9002','BJ2019070100003'),(4,'国贸 豪装三居','3室2厅','140平方米','面议','南北','整租','朝阳','国贸','建外SOHO','1号线国贸站',1564617600,'冰箱-空调','业主直租',NULL,NULL,45,'赵经理','13600136004','BJ2019080100004'),(5,'回龙观 一居','1室1厅','','3200元/月','南','整租','昌平','回龙观','龙跃苑','13号线回龙观站',1567296000,'Wi-Fi','',NULL,NULL,12,'钱先生','13500135005','BJ2019090100005'),(6,'别墅出租','豪宅','300平方米','30000元/月','南','整租','顺义','后沙峪','中央别墅区','',1569888000,'','独栋',NULL,NULL,3,'孙女士','13400134006','BJ2019100100006'),(7,'火星 基地 单间','1室0厅','20平方米','1000元/月','南','合租','火星','奥林匹斯山','火星一村','',1572566400,'','',NULL,NULL,999,'周先生','13300133007','BJ2019110100007'),(8,'丰台 两居','2室1厅','70平方米','4500元/月','南','整租','丰台','方庄','芳古园','5号线',1575158400,'冰箱','',NULL,NULL,30,'吴先生','12345','BJ2019120100008'),(9,'','2室1厅','70平方米','4500元/月','南','整租','西城','金融街','丰汇园','',1577836800,'','',NULL,NULL,8,'郑女士','13200132009','BJ2020010100009'),(10,'东城 短租 一周起','1室1厅','40平方米','300元/天','南','短租','东城','王府井','金鱼胡同','',1580515200,'','',NULL,NULL,15,'冯先生','13100131010','BJ2020020100010'),(11,'陆家嘴 一室户 江景','1室0厅','45平米','6200元/月','东','整租','浦东','陆家嘴','仁恒滨江园','2号线陆家嘴站',1583020800,'空调','江景房',NULL,NULL,640,'李女士','13900139002','SH2020030100011'),(12,'延庆 开间 近八达岭','开间','30平方米','1500元/月','西','整租','延庆','延庆城区','妫水苑','S2线延庆站',0,'空调-热水器-Wi-Fi','',NULL,NULL,233,'张三','13700137003','BJ0000000000012'),(13,'Tom\'s 公寓 (近\"北京东站\"); 带阳台','2室1厅1卫','65.5平方米','2800元/月','东南','整租','通州','梨园','九棵树家园; 2单元','1号线九棵树站',NULL,'冰箱-洗衣机','可养宠物\\猫','万达广场','地铁1号线',71,'Tom','13900139013','BJ0000000000013'),(14,'门头沟 小两居','2室1厅','58平方米','2600元/月','南','整租','门头沟区','大峪','新桥南大街小区','S1线',1590969600,NULL,NULL,NULL,NULL,20,'陈女士','13900139014','BJ2020060100014'),(15,'精装两居 近地铁 采光好','2室1厅','89平方米','5800元/月','南北','整租','海淀','中关村','华清嘉园','距离10号线五道口站500米',1556668800,'冰箱-洗衣机-空调-热水器-Wi-Fi','南北通透,拎包入住','周边有超市、医院、学校','步行10分钟到地铁站',50,'王先生','13800138001','BJ2019050100001'),(16,'密云 水库旁 三居','3室2厅2卫','120平方米','1.2万/月','南北','整租','密云','溪翁庄','云湖度假村','',1585699200,'冰箱-暖气-Wi-Fi-天然气','湖景',NULL,NULL,64,'张三','13700137003','BJ2020040100016');
/*!40000 ALTER TABLE `house_info` ENABLE KEYS */;
UNLOCK TABLES;

-- Rows the import must report, not import:
--   4 price "面议" (negotiable: no price)   5 empty area   6 rooms "豪宅"
--   7 region "火星" (no such district)      8 phone "12345" (no usable landlord login)
--   9 empty title   10 rent type "短租" and a daily price
--   11 region "浦东": a district of Shanghai, not of Beijing (refused, not moved)
--   15 the same house_num as house 1: a duplicate, imported once (its 50 views are not added)
-- Rows that import with a warning: 3 (阳台 is not a facility here; full-width
-- digits), 12 (publish time 0: unknown), 13 (publish time NULL: unknown).

--
-- Table structure for table `house_recommend` (not imported: recommendations are computed here)
--

DROP TABLE IF EXISTS `house_recommend`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `house_recommend` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `user_id` int(11) DEFAULT NULL,
  `house_id` int(11) DEFAULT NULL,
  `title` varchar(100) DEFAULT NULL,
  `address` varchar(100) DEFAULT NULL,
  `block` varchar(100) DEFAULT NULL,
  `score` int(11) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `house_recommend` WRITE;
/*!40000 ALTER TABLE `house_recommend` DISABLE KEYS */;
INSERT INTO `house_recommend` VALUES (1,1,3,'长阳 一居 新房 家电齐全','长阳半岛','长阳',5),(2,1,14,'门头沟 小两居','新桥南大街小区','大峪',3);
/*!40000 ALTER TABLE `house_recommend` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Table structure for table `user_info`
--

DROP TABLE IF EXISTS `user_info`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `user_info` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(100) DEFAULT NULL,
  `password` varchar(100) DEFAULT NULL,
  `email` varchar(100) DEFAULT NULL,
  `addr` varchar(100) DEFAULT NULL,
  `collect_id` varchar(250) DEFAULT NULL,
  `seen_id` varchar(250) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=InnoDB AUTO_INCREMENT=10 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `user_info`
--

LOCK TABLES `user_info` WRITE;
/*!40000 ALTER TABLE `user_info` DISABLE KEYS */;
INSERT INTO `user_info` VALUES (1,'小明','xiaoming2019','xiaoming@example.com','北京市海淀区','1,2,13','3,1'),(2,'小红','123456','xiaohong@example.com','北京市朝阳区','','2,7'),(3,'bob','password1','bob at example.com','',NULL,NULL),(4,'重复','whatever123','XIAOMING@example.com','',NULL,NULL),(5,'','qwertyuiop','noname@example.com','北京',NULL,'12,13'),(6,'carol',NULL,'carol@example.com','',NULL,NULL),(7,'dave','pa;ss(wo)rd\'x','dave@example.com',NULL,'13,14',NULL),(8,'eve','eve-secret-2019',NULL,'北京市东城区','1',NULL),(9,'frank','frank-secret-9','frank@example.com','','','16,15,14,13,12,3,2,1,4,5,6,7,8,9,10,11,17,18,19,20,21,22');
/*!40000 ALTER TABLE `user_info` ENABLE KEYS */;
UNLOCK TABLES;

-- Rows the import must report, not import:
--   3 email "bob at example.com"   4 the same email as user 1 (letter case aside)   6 no password
--   8 no email: the old site logged in by user name, and e-mail was optional
-- Rows 2 and 5 import but must choose a new password (row 2's six characters break
-- today's policy, row 5's qwertyuiop is among the commonest passwords);
-- row 5 imports with a warning (no name: a nickname is made up);
-- row 9's seen_id names 22 houses, most recent first: the first 20 are kept
-- (house 15, a duplicate of house 1, is house 1's listing).

/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2020-06-01 12:00:00
