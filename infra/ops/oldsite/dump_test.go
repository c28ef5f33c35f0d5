package oldsite_test

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/zufang/rental/infra/ops/oldsite"
)

const sample = "testdata/old_site.sql"

func rowsOf(t *testing.T, src oldsite.Source, table string) map[string]oldsite.Row {
	t.Helper()
	out := map[string]oldsite.Row{}
	if err := src.Rows(context.Background(), table, func(r oldsite.Row) error { out[r.Get("id")] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDump_readsTheSampleDump(t *testing.T) {
	houses := rowsOf(t, oldsite.Dump{Path: sample}, oldsite.HouseTable)
	users := rowsOf(t, oldsite.Dump{Path: sample}, oldsite.UserTable)
	if len(houses) != 16 || len(users) != 9 {
		t.Fatalf("%d houses, %d users", len(houses), len(users))
	}
	for _, c := range []struct{ got, want string }{
		{houses["13"].Get("title"), `Tom's 公寓 (近"北京东站"); 带阳台`},
		{houses["13"].Get("address"), "九棵树家园; 2单元"},
		{houses["15"].Get("house_num"), "BJ2019050100001"},
		{houses["3"].Get("rooms"), "１室１厅"},
		{houses["13"].Get("highlights"), `可养宠物\猫`},
		{houses["1"].Get("rooms"), "2室1厅"},
		{houses["1"].Get("publish_time"), "1556668800"},
		{users["7"].Get("password"), `pa;ss(wo)rd'x`},
		{users["1"].Get("collect_id"), "1,2,13"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if houses["14"]["matching"] != nil || users["6"]["password"] != nil || houses["13"]["publish_time"] != nil || users["8"]["email"] != nil {
		t.Error("NULL is nil")
	}
	if len(rowsOf(t, oldsite.Dump{Path: sample}, "house_recommend")) != 2 {
		t.Error("any table of the dump can be read")
	}
}

func TestDump_readsAGzippedDump(t *testing.T) {
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.sql.gz")
	f, _ := os.Create(path)
	gz := gzip.NewWriter(f)
	gz.Write(raw)
	gz.Close()
	f.Close()
	if n := len(rowsOf(t, oldsite.Dump{Path: path}, oldsite.UserTable)); n != 9 {
		t.Fatalf("%d users from the gzipped dump", n)
	}
}

func TestDump_reportsABrokenDump(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.sql")
	os.WriteFile(path, []byte("CREATE TABLE `user_info` (\n  `id` int,\n  `name` text\n);\nINSERT INTO `user_info` VALUES (1,'a'),(2,'b);\n"), 0o644)
	err := oldsite.Dump{Path: path}.Rows(context.Background(), oldsite.UserTable, func(oldsite.Row) error { return nil })
	if err == nil {
		t.Fatal("an unterminated string must be reported")
	}
}
