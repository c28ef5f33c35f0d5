-- MariaDB dump 10.19  Distrib 10.3.39-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: house
-- ------------------------------------------------------
-- Server version	10.3.39-MariaDB-0+deb10u1
--
-- A small dump of the old Flask site's database, written for the tests of
-- `rentalctl import`: real-looking rows, and rows the import must report
-- instead of importing (marked in the comments below the inserts).

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
  `address` varchar(200) DEFAULT NULL,
  `traffic` varchar(200) DEFAULT NULL,
  `publish_time` int(11) DEFAULT NULL,
  `page_views` int(11) DEFAULT NULL,
  `landlord` varchar(30) DEFAULT NULL,
  `phone_num` varchar(100) DEFAULT NULL,
  `facilities` varchar(200) DEFAULT NULL,
  `highlights` text DEFAULT NULL,
  `matching` text DEFAULT NULL,
  `travel` text DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `ix_house_region` (`region`)
) ENGINE=InnoDB AUTO_INCREMENT=15 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `house_info`
--

LOCK TABLES `house_info` WRITE;
/*!40000 ALTER TABLE `house_info` DISABLE KEYS */;
INSERT INTO `house_info` VALUES (1,'精装两居 近地铁 采光好','2室1厅','89平方米','5800元/月','南北','整租','海淀','中关村','海淀区中关村大街1号院3号楼','距离10号线苏州街站500米',1556668800,1203,'王先生','13800138001','冰箱-洗衣机-空调-热水器-宽带','南北通透,拎包入住','周边有超市、医院、学校','步行10分钟到地铁站'),(2,'望京 合租主卧 独立卫生间','3室1厅1卫','18.5㎡','2300','南','合租','朝阳','望京','朝阳区望京西园四区','距离14号线望京站800米',1559347200,87,'王先生','138 0013 8001','床-宽带-热水器','独卫,可短租','望京SOHO商圈','公交站旁'),(3,'陆家嘴 一室户 江景','1室0厅','45平米','6,200元/月','东','整租','浦东','陆家嘴','浦东新区银城中路8号','2号线陆家嘴站步行5分钟',1561939200,2410,'李女士','+86 139-0013-9002','空调-电视-冰箱-洗衣机-电梯','江景房','正大广场','出门即地铁'),(4,'国贸 豪装三居','3室2厅','140平方米','面议','南北','整租','朝阳','国贸','朝阳区建国路88号','1号线国贸站',1564617600,45,'赵经理','13600136004','冰箱-空调','业主直租',NULL,NULL),(5,'回龙观 一居','1室1厅','','3200元/月','南','整租','昌平','回龙观','昌平区回龙观西大街','13号线回龙观站',1567296000,12,'钱先生','13500135005','宽带','',NULL,NULL),(6,'别墅出租','豪宅','300平方米','30000元/月','南','整租','顺义','后沙峪','顺义区后沙峪','',1569888000,3,'孙女士','13400134006','','独栋',NULL,NULL),(7,'火星 基地 单间','1室0厅','20平方米','1000元/月','南','合租','火星','奥林匹斯山','火星奥林匹斯山脚下','',1572566400,999,'周先生','13300133007','','',NULL,NULL),(8,'丰台 两居','2室1厅','70平方米','4500元/月','南','整租','丰台','方庄','丰台区方庄路','5号线',1575158400,30,'吴先生','12345','冰箱','',NULL,NULL),(9,'','2室1厅','70平方米','4500元/月','南','整租','西城','金融街','西城区金融街','',1577836800,8,'郑女士','13200132009','','',NULL,NULL),(10,'东城 短租 一周起','1室1厅','40平方米','300元/天','南','短租','东城','王府井','东城区王府井大街','',1580515200,15,'冯先生','13100131010','','',NULL,NULL),(11,'天河 三室两厅 家电齐全','三室两厅','110平方米','1.2万/月','南北','整租','天河','珠江新城','天河区花城大道','3号线珠江新城站',1583020800,640,'张三','13700137003','冰箱-阳台-电视-暖气','家电齐全,近珠江公园','天河城,正佳广场','地铁BRT都方便'),(12,'南山 科技园 开间','开间','30平方米','3500元/月','西','整租','南山','科技园','南山区科苑路','1号线深大站',1585699200,233,'张三','13700137003','空调-热水器-宽带','',NULL,NULL),(13,'Tom\'s 公寓 (近\"成都东站\"); 带阳台','2室1厅1卫','65.5平方米','2800元/月','东南','整租','成华','建设路','成华区建设路1号; 2单元','7号线',1588291200,71,'Tom','13900139013','冰箱-洗衣机','可养宠物\\猫','建设路美食街','地铁7号线'),(14,'武侯 小两居','2室1厅','58平方米','2600元/月','南','整租','武侯区','玉林','武侯区玉林路','',1590969600,20,'陈女士','13900139014','宽带',NULL,NULL,NULL);
/*!40000 ALTER TABLE `house_info` ENABLE KEYS */;
UNLOCK TABLES;

-- Rows the import must report, not import:
--   4 price "面议" (negotiable: no price)   5 empty area   6 rooms "豪宅"
--   7 region "火星" (no such district)      8 phone "12345" (no usable landlord login)
--   9 empty title   10 rent type "短租" and a daily price
-- Row 11 imports with a warning: 阳台 is not a facility here.

--
-- Table structure for table `user_info`
--

DROP TABLE IF EXISTS `user_info`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
CREATE TABLE `user_info` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(30) DEFAULT NULL,
  `password` varchar(100) DEFAULT NULL,
  `email` varchar(100) DEFAULT NULL,
  `addr` varchar(200) DEFAULT NULL,
  `collect_id` varchar(500) DEFAULT NULL,
  `seen_id` varchar(500) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=8 DEFAULT CHARSET=utf8mb4;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `user_info`
--

LOCK TABLES `user_info` WRITE;
/*!40000 ALTER TABLE `user_info` DISABLE KEYS */;
INSERT INTO `user_info` VALUES (1,'小明','xiaoming2019','xiaoming@example.com','北京市海淀区','1,2,11','3,1'),(2,'小红','123456','xiaohong@example.com','上海市徐汇区','','2,7'),(3,'bob','password1','bob at example.com','',NULL,NULL),(4,'重复','whatever123','XIAOMING@example.com','',NULL,NULL),(5,'','qwertyuiop','noname@example.com','广州',NULL,'11,12'),(6,'carol',NULL,'carol@example.com','',NULL,NULL),(7,'dave','pa;ss(wo)rd\'x','dave@example.com',NULL,'13,14',NULL);
/*!40000 ALTER TABLE `user_info` ENABLE KEYS */;
UNLOCK TABLES;

-- Rows the import must report, not import:
--   3 email "bob at example.com"   4 the same email as user 1 (letter case aside)   6 no password
-- Row 2 imports but must choose a new password (six characters break today's policy);
-- row 5 imports with a warning (no name: a nickname is made up).

--
-- Table structure for table `region_info` (not imported: the new platform has its own areas)
--

DROP TABLE IF EXISTS `region_info`;
CREATE TABLE `region_info` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(30) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `region_info` WRITE;
INSERT INTO `region_info` VALUES (1,'海淀'),(2,'朝阳');
UNLOCK TABLES;

/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2020-06-01 12:00:00
