package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/testing/testenv"
)

// landlordAt registers a landlord through the API and logs a page browser in
// as them; it returns both.
func landlordAt(t *testing.T, sys *testenv.System, email string) (*browser, *testenv.Client) {
	t.Helper()
	api, _ := sys.Register(email, "landlord")
	b := newBrowser(t, sys)
	if p := b.login(email, "correct-horse", "/landlord/listings"); p.Status != http.StatusSeeOther {
		t.Fatalf("login of %s: %d %s", email, p.Status, excerpt(p.Body))
	}
	return b, api
}

// listingForm is a complete listing as the form sends it.
func listingForm(title string) url.Values {
	return url.Values{
		"title": {title}, "reference": {"WJ-0012"}, "city": {"beijing"}, "district": {"chaoyang"},
		"block": {"望京"}, "community": {"望京西园"}, "address": {"望京西路 50 号"}, "traffic": {"距地铁 14 号线望京站 500 米"},
		"rent_type": {"whole"}, "bedrooms": {"2"}, "living_rooms": {"1"}, "bathrooms": {"1"}, "area_sqm": {"72.5"},
		"orientation": {"南北"}, "floor": {"6/18层"}, "price": {"7,800"}, "deposit": {"7800"}, "min_months": {"3"},
		"facilities": {"wifi", "washer"}, "highlights": {"南北通透，近地铁"}, "description": {"精装修，拎包入住"},
	}
}

// with returns a copy of the form with fields replaced (name, value pairs).
func with(f url.Values, kv ...string) url.Values {
	out := cloneForm(f)
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// listingIDOf reads the listing id from a landlord page's URL.
func listingIDOf(t *testing.T, location string) string {
	t.Helper()
	m := regexp.MustCompile(`/landlord/listings/([0-9a-f-]{36})/`).FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("no listing id in %q", location)
	}
	return m[1]
}

// upload posts files in the photo field of a multipart form, with the CSRF
// token unless csrf is false.
func (b *browser) upload(path string, csrf bool, files ...[]byte) page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if csrf {
		_ = w.WriteField("_csrf", b.csrf())
	}
	for i, f := range files {
		part, _ := w.CreateFormFile("photo", fmt.Sprintf("photo-%d.jpg", i))
		_, _ = part.Write(f)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// pngOf is a small PNG of one colour.
func pngOf(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLandlordPages_askVisitorsToLogInAndRefuseTenants(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	visitor := newBrowser(t, sys)
	for _, path := range []string{"/landlord/listings", "/landlord/listings/new", "/landlord/orders"} {
		p := visitor.get(path)
		if p.Status != http.StatusSeeOther || p.Location != "/login?next="+url.QueryEscape(path) {
			t.Fatalf("a visitor at %s: %d to %q, want the login page and back", path, p.Status, p.Location)
		}
	}
	tenant, _ := tenantAt(t, sys, "tina@example.com")
	for _, path := range []string{"/landlord/listings", "/landlord/listings/new", "/landlord/orders"} {
		p := tenant.must(http.StatusForbidden, path)
		p.contains(t, "无权访问", "房东页面仅对房东开放", "个人资料")
	}
	if p := tenant.post("/landlord/listings", listingForm("租客的房源")); p.Status != http.StatusForbidden {
		t.Fatalf("a tenant creating a listing: %d, want 403", p.Status)
	}
	if p := tenant.must(http.StatusOK, "/me"); strings.Contains(p.Body, `id="nav-my-listings"`) {
		t.Fatal("a tenant's top bar has no landlord links")
	}
	landlord, _ := landlordAt(t, sys, "lee@example.com")
	landlord.must(http.StatusOK, "/").contains(t, `<a href="/landlord/listings" id="nav-my-listings">我的房源</a>`,
		`<a href="/landlord/orders" id="nav-landlord-orders">房源订单</a>`)
	if p := landlord.get("/landlord"); p.Status != http.StatusSeeOther || p.Location != "/landlord/listings" {
		t.Fatalf("/landlord: %d to %q", p.Status, p.Location)
	}
}

func TestLandlordListingForm_hasEveryFieldShowsRefusalsBesideThemAndCreates(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, api := landlordAt(t, sys, "lee@example.com")

	form := b.must(http.StatusOK, "/landlord/listings/new")
	// Every field the commands take (but the cover, which the photos page sets) has its input.
	patch := reflect.TypeOf(command.ListingPatch{})
	for i := range patch.NumField() {
		name := strings.Split(patch.Field(i).Tag.Get("json"), ",")[0]
		if name == "cover_image" {
			continue
		}
		form.contains(t, `name="`+name+`"`)
	}
	// Districts from the catalog, grouped by city (the script narrows them); facilities from the catalog.
	form.contains(t, `<optgroup label="北京" data-city="beijing">`, `<optgroup label="上海" data-city="shanghai">`,
		`<option value="chaoyang">朝阳区</option>`, `data-districts-of="f-city"`, `id="fac-wifi"`, `for="f-price"`, `novalidate`)

	// Refused fields: each of the command's messages beside its field, everything typed kept.
	bad := with(listingForm("望京 精装两居"), "price", "0", "min_months", "99", "district", "pudong")
	p := b.post("/landlord/listings", bad)
	if p.Status != http.StatusBadRequest {
		t.Fatalf("a bad listing: %d, want 400: %s", p.Status, excerpt(p.Body))
	}
	p.contains(t, `id="e-price"`, "必须大于 0 且不超过 10000000", `aria-describedby="e-price"`,
		`id="e-min_months"`, "必须在 1 到 36 之间", `id="e-district"`, "该城市没有这个区域",
		`value="望京 精装两居"`, `value="0"`, `value="99"`, `value="WJ-0012"`, `value="72.5"`, "精装修，拎包入住",
		`value="wifi" id="fac-wifi" checked`, `value="whole" id="rent-whole" checked`, `<option value="南北" selected>`,
		`<option value="pudong" selected>`, "请修正标出的项目")
	if strings.Contains(p.Body, `id="e-title"`) {
		t.Fatal("a good field gets no message")
	}
	// What the page cannot read as a number is named by the page.
	p = b.post("/landlord/listings", with(listingForm("望京 精装两居"), "area_sqm", "七十"))
	if p.Status != http.StatusBadRequest {
		t.Fatalf("an area in words: %d", p.Status)
	}
	p.contains(t, `id="e-area_sqm"`, "请输入数字", `value="七十"`)
	// A form without its CSRF token is refused and creates nothing.
	if p := b.postRaw("/landlord/listings", listingForm("伪造的房源")); p.Status != http.StatusForbidden {
		t.Fatalf("a listing form without its CSRF token: %d, want 403", p.Status)
	}
	if mine := api.Must(http.StatusOK, "GET", "/users/me/listings", nil); mine["total"] != float64(0) {
		t.Fatalf("refused forms created listings: %v", mine)
	}

	// A good form makes a draft and goes on to its photos, already showing it.
	ok := b.post("/landlord/listings", listingForm("望京 精装两居"))
	seeOther(t, "a good listing", ok, `^/landlord/listings/[0-9a-f-]{36}/photos\?done=created&v=1$`)
	id := listingIDOf(t, ok.Location)
	b.must(http.StatusOK, ok.Location).contains(t, "房源已保存为草稿", "望京 精装两居", "草稿", `id="upload-form"`, `enctype="multipart/form-data"`)
	doc := api.Must(http.StatusOK, "GET", "/listings/"+id+"?min_version=1", nil)
	for k, want := range map[string]any{"title": "望京 精装两居", "price": float64(7800), "area_sqm": 72.5, "district": "chaoyang",
		"min_months": float64(3), "orientation": "南北", "reference": "WJ-0012", "status": "draft", "traffic": "距地铁 14 号线望京站 500 米"} {
		if doc[k] != want {
			t.Fatalf("the listing's %s is %v, want %v", k, doc[k], want)
		}
	}
	if facs := fmt.Sprint(doc["facilities"]); len(doc["facilities"].([]any)) != 2 || !strings.Contains(facs, "wifi") || !strings.Contains(facs, "washer") {
		t.Fatalf("facilities %v", doc["facilities"])
	}

	// The edit form holds the listing; a refusal keeps what was typed; a good edit shows at once.
	edit := b.must(http.StatusOK, "/landlord/listings/"+id+"/edit")
	edit.contains(t, `value="望京 精装两居"`, `value="7800"`, `value="72.5"`, `<option value="chaoyang" selected>`,
		`value="washer" id="fac-washer" checked`, `id="listing-submit-publish"`)
	p = b.post("/landlord/listings/"+id+"/edit", with(listingForm("望京 精装两居 改"), "title", "", "deposit", "-1"))
	if p.Status != http.StatusBadRequest {
		t.Fatalf("a bad edit: %d", p.Status)
	}
	p.contains(t, `id="e-title"`, "不能为空", `id="e-deposit"`, "必须在 0 到 100000000 之间", `value="-1"`)
	saved := b.post("/landlord/listings/"+id+"/edit", with(listingForm("望京 精装两居 改"), "price", "8200"))
	seeOther(t, "a good edit", saved, `^/landlord/listings\?done=saved&v=2$`)
	b.must(http.StatusOK, saved.Location).contains(t, "修改已保存", "望京 精装两居 改", "￥8,200/月", "草稿")

	// 保存并发布: saved and published in one go.
	pub := b.post("/landlord/listings/"+id+"/edit", with(listingForm("望京 精装两居 改"), "then", "publish"))
	seeOther(t, "save and publish", pub, `^/landlord/listings\?done=published&v=[34]$`)
	b.must(http.StatusOK, pub.Location).contains(t, "房源已上架", `id="status-`+id+`">已上架<`)

	// Another landlord finds no such listing, to read or to change.
	other, _ := landlordAt(t, sys, "other@example.com")
	for _, path := range []string{"/landlord/listings/" + id + "/edit", "/landlord/listings/" + id + "/photos"} {
		other.must(http.StatusNotFound, path)
	}
	for _, path := range []string{"/edit", "/publish", "/unpublish", "/delete"} {
		if p := other.post("/landlord/listings/"+id+path, with(listingForm("抢来的"), "confirmed", "1")); p.Status != http.StatusNotFound {
			t.Fatalf("another landlord's POST %s: %d, want 404", path, p.Status)
		}
	}
	if doc := api.Must(http.StatusOK, "GET", "/listings/"+id, nil); doc["title"] != "望京 精装两居 改" || doc["status"] != "published" {
		t.Fatalf("another landlord changed it: %v", doc)
	}
}

func TestLandlordListings_listEveryStatusByTabAndPublishUnpublishDelete(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, api := landlordAt(t, sys, "lee@example.com")
	b.must(http.StatusOK, "/landlord/listings").contains(t, `id="no-listings"`, "还没有房源")

	draft := api.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": "未填完的草稿", "city": "beijing"})["id"].(string)
	live := publish(t, sys, api, flat("海淀 一居 已上架", 4200, "haidian", 1))
	var many []string
	for i := range 10 {
		many = append(many, api.Must(http.StatusCreated, "POST", "/listings", flat(fmt.Sprintf("批量草稿 %02d", i), 3000+i, "haidian", 1))["id"].(string))
	}

	// Every status, newest first, ten a page; the read reaches at least the landlord's writes (?v=).
	all := b.must(http.StatusOK, "/landlord/listings?v=1")
	all.contains(t, `id="listings-total">共 12 套`, "批量草稿 09", `id="status-`+many[9]+`">草稿<`, `aria-current="page" data-status=""`,
		`rel="next"`, "共2页")
	all.lacks(t, "未填完的草稿") // the oldest two are on page 2
	second := b.must(http.StatusOK, "/landlord/listings?page=2&v=1")
	second.contains(t, "未填完的草稿", "海淀 一居 已上架", `id="status-`+live+`">已上架<`, `id="unpublish-`+live+`"`, `id="publish-`+draft+`"`)
	// One status a tab.
	tab := b.must(http.StatusOK, "/landlord/listings?status=published")
	tab.contains(t, `id="listings-total">共 1 套`, "海淀 一居 已上架", `aria-current="page" data-status="published"`)
	tab.lacks(t, "批量草稿")
	b.must(http.StatusOK, "/landlord/listings?status=unpublished").contains(t, "没有已下架的房源")

	// Publishing what lacks a price opens its form with the missing fields marked.
	p := b.post("/landlord/listings/"+draft+"/publish", url.Values{"back": {"/landlord/listings?page=2"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("publishing an incomplete draft: %d, want 400", p.Status)
	}
	p.contains(t, "发布前请补全标出的信息", `id="e-price"`, `id="e-district"`, `id="e-rent_type"`, `id="e-area_sqm"`, "发布前必须填写",
		`value="未填完的草稿"`, `action="/landlord/listings/`+draft+`/edit"`)
	if strings.Contains(p.Body, `id="e-title"`) || strings.Contains(p.Body, `id="e-city"`) {
		t.Fatal("the fields it has are not marked")
	}

	// Unpublish: back to the tab it was on, showing it at once.
	un := b.post("/landlord/listings/"+live+"/unpublish", url.Values{"back": {"/landlord/listings?status=published"}})
	seeOther(t, "unpublish", un, `^/landlord/listings\?done=unpublished&status=published&v=\d+$`)
	b.must(http.StatusOK, un.Location).contains(t, "房源已下架", "没有已上架的房源")
	if p := b.post("/landlord/listings/"+live+"/unpublish", url.Values{}); p.Status != http.StatusConflict {
		t.Fatalf("unpublishing twice: %d, want 409", p.Status)
	} else {
		p.contains(t, "只有已上架的房源才能下架")
	}
	// Publish again from the list.
	re := b.post("/landlord/listings/"+live+"/publish", url.Values{"back": {"/landlord/listings?status=unpublished"}})
	seeOther(t, "publish", re, `^/landlord/listings\?done=published&status=unpublished&v=\d+$`)
	b.must(http.StatusOK, strings.Replace(re.Location, "status=unpublished", "status=published", 1)).contains(t, "海淀 一居 已上架")

	// Delete asks first without the script; confirmed, the listing is gone from the list at once.
	ask := b.post("/landlord/listings/"+many[0]+"/delete", url.Values{"back": {"/landlord/listings"}})
	if ask.Status != http.StatusOK {
		t.Fatalf("delete without confirming: %d, want the confirmation page", ask.Status)
	}
	ask.contains(t, `id="confirm-delete"`, "确定删除这套房源吗", "批量草稿 00", `name="confirmed" value="1"`, `id="confirm-keep"`)
	if doc := api.Must(http.StatusOK, "GET", "/listings/"+many[0], nil); doc["status"] != "draft" {
		t.Fatalf("asking deleted it: %v", doc)
	}
	del := b.post("/landlord/listings/"+many[0]+"/delete", url.Values{"back": {"/landlord/listings"}, "confirmed": {"1"}})
	seeOther(t, "delete", del, `^/landlord/listings\?done=deleted&v=\d+$`)
	b.must(http.StatusOK, del.Location).contains(t, "房源已删除", `id="listings-total">共 11 套`)
	if r := api.Do("GET", "/listings/"+many[0], nil); r.Status != http.StatusNotFound {
		t.Fatalf("a deleted listing: %d", r.Status)
	}
	if p := b.postRaw("/landlord/listings/"+many[1]+"/delete", url.Values{"confirmed": {"1"}}); p.Status != http.StatusForbidden {
		t.Fatalf("delete without the CSRF token: %d, want 403", p.Status)
	}

	// A listing an order holds is not deleted: the reason is shown above the list.
	tenant, _ := sys.Register("tina@example.com", "tenant")
	order(t, tenant, live, 0, 2)
	held := b.post("/landlord/listings/"+live+"/delete", url.Values{"back": {"/landlord/listings"}, "confirmed": {"1"}})
	if held.Status != http.StatusConflict {
		t.Fatalf("deleting a booked listing: %d, want 409", held.Status)
	}
	held.contains(t, `id="form-errors"`, "有 1 个进行中的订单占用该房源", "海淀 一居 已上架")
}

func TestLandlordPhotos_uploadSeveralRefuseWhatIsNoImageSetTheCoverAndRemove(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, api := landlordAt(t, sys, "lee@example.com")
	id := api.Must(http.StatusCreated, "POST", "/listings", flat("有照片的房子", 5000, "haidian", 2))["id"].(string)
	path := "/landlord/listings/" + id + "/photos"
	b.must(http.StatusOK, path).contains(t, `id="no-photos"`, `name="photo"`, "multiple", `accept="image/jpeg,image/png,image/webp"`, "还可上传 20 张")

	red, blue := pngOf(t, color.RGBA{200, 30, 30, 255}), pngOf(t, color.RGBA{30, 30, 200, 255})
	up := b.upload(path, true, red, blue)
	seeOther(t, "two photos", up, `^/landlord/listings/`+id+`/photos\?done=uploaded&v=3$`)
	page := b.must(http.StatusOK, up.Location)
	page.contains(t, "照片已上传", "已上传（2）", `id="cover-badge"`, "还可上传 18 张")
	doc := api.Must(http.StatusOK, "GET", "/listings/"+id+"?min_version=3", nil)
	images := doc["images"].([]any)
	if len(images) != 2 || doc["cover_image"] != images[0].(map[string]any)["url"] {
		t.Fatalf("two images, the first the cover: %v", doc)
	}
	first, second := images[0].(map[string]any), images[1].(map[string]any)
	page.contains(t, `src="`+first["url"].(string)+`?s=card"`, `id="cover-`+second["id"].(string)+`"`)

	// A text file named .jpg is no photo: refused naming the field, nothing added.
	text := []byte("这不是图片，只是改了扩展名的文本文件。\n")
	bad := b.upload(path, true, text)
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("a text file as a photo: %d, want 400", bad.Status)
	}
	bad.contains(t, `id="e-photo"`, "必须是 JPEG、PNG 或 WebP 格式的图片", `aria-invalid="true"`, "已上传（2）")
	// A good one then a bad one: the page says which and keeps the first.
	green := pngOf(t, color.RGBA{30, 200, 30, 255})
	mixed := b.upload(path, true, green, text)
	if mixed.Status != http.StatusBadRequest {
		t.Fatalf("a photo and a text file: %d", mixed.Status)
	}
	mixed.contains(t, "前 1 张已上传；第 2 张未上传", "已上传（3）")
	// A photo larger than the pages' usual 1 MB body is taken; a file over 10 MB is refused naming the field.
	noise := image.NewRGBA(image.Rect(0, 0, 800, 600))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = byte(rng.Uint32())
	}
	var big bytes.Buffer
	if err := png.Encode(&big, noise); err != nil || big.Len() < 1<<20 {
		t.Fatalf("a PNG over 1 MB: %d bytes, %v", big.Len(), err)
	}
	seeOther(t, "a 1.9 MB photo", b.upload(path, true, big.Bytes()), `done=uploaded`)
	huge := b.upload(path, true, bytes.Repeat([]byte{0xff}, 10<<20+1))
	if huge.Status != http.StatusBadRequest {
		t.Fatalf("an 11 MB file: %d, want 400", huge.Status)
	}
	huge.contains(t, `id="e-photo"`, "文件太大：每张照片不超过 10 MB", "已上传（4）")
	// Nothing chosen; no CSRF token.
	b.upload(path, true).contains(t, `id="e-photo"`, "请选择要上传的照片")
	if p := b.upload(path, false, red); p.Status != http.StatusForbidden {
		t.Fatalf("an upload without the CSRF token: %d, want 403", p.Status)
	}

	// The cover moves to the second photo; removing the cover passes it on.
	cover := b.post(path+"/"+second["id"].(string)+"/cover", url.Values{})
	seeOther(t, "set cover", cover, `^/landlord/listings/`+id+`/photos\?done=cover&v=\d+$`)
	after := b.must(http.StatusOK, cover.Location)
	after.contains(t, "封面已更换", `id="cover-`+first["id"].(string)+`"`)
	after.lacks(t, `id="cover-`+second["id"].(string)+`"`)
	removed := b.post(path+"/"+second["id"].(string)+"/remove", url.Values{})
	seeOther(t, "remove", removed, `^/landlord/listings/`+id+`/photos\?done=removed&v=\d+$`)
	b.must(http.StatusOK, removed.Location).contains(t, "照片已删除", "已上传（3）")
	doc = api.Must(http.StatusOK, "GET", "/listings/"+id, nil)
	if doc["cover_image"] != first["url"] {
		t.Fatalf("the removed cover passes to the first photo: %v", doc)
	}

	// Twenty a listing: the 21st is refused, the ones before it are kept.
	var more [][]byte
	for i := range 19 {
		more = append(more, pngOf(t, color.RGBA{uint8(10 * i), 120, uint8(250 - 10*i), 255}))
	}
	full := b.upload(path, true, more...)
	if full.Status != http.StatusConflict {
		t.Fatalf("19 more photos on 3: %d, want 409", full.Status)
	}
	full.contains(t, "前 17 张已上传；第 18 张未上传：每套房源最多 20 张照片", "已上传（20）", `id="photos-full"`)

	// Strangers: a tenant is refused, another landlord finds no such listing.
	tenant, _ := tenantAt(t, sys, "tina@example.com")
	if p := tenant.upload(path, true, red); p.Status != http.StatusForbidden {
		t.Fatalf("a tenant's upload: %d, want 403", p.Status)
	}
	other, _ := landlordAt(t, sys, "other@example.com")
	if p := other.upload(path, true, red); p.Status != http.StatusNotFound {
		t.Fatalf("another landlord's upload: %d, want 404", p.Status)
	}
	if p := other.post(path+"/"+first["id"].(string)+"/remove", url.Values{}); p.Status != http.StatusNotFound {
		t.Fatalf("another landlord's remove: %d, want 404", p.Status)
	}
}

func TestLandlordOrders_listIncomingOrdersAcceptAndRejectWithAReason(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, api := landlordAt(t, sys, "lee@example.com")
	id := publish(t, sys, api, flat("朝阳 两居", 6000, "chaoyang", 2))
	tenant, _ := sys.Register("tina@example.com", "tenant")
	first := order(t, tenant, id, 0, 2)
	second := order(t, tenant, id, 70, 3)

	list := b.must(http.StatusOK, "/landlord/orders?v=1")
	list.contains(t, `id="orders-total">共 2 个`, "朝阳 两居", `id="state-`+first+`">待房东确认<`, `id="accept-`+first+`"`,
		`id="reject-open-`+second+`"`, "￥12,000", "租客已提交预订")

	// A reject without a reason: the message beside that order's field, its form open.
	p := b.post("/landlord/orders/"+first+"/reject", url.Values{"reason": {"  "}, "back": {"/landlord/orders"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("a reject without a reason: %d, want 400", p.Status)
	}
	p.contains(t, `id="e-reason-`+first+`"`, "不能为空", `aria-describedby="h-reason-`+first+` e-reason-`+first+`"`, `<details class="ll-reject" open>`)
	if p := b.postRaw("/landlord/orders/"+first+"/accept", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("accept without the CSRF token: %d, want 403", p.Status)
	}
	// Another landlord finds no such order; a tenant is refused the page.
	other, _ := landlordAt(t, sys, "other@example.com")
	if p := other.post("/landlord/orders/"+first+"/accept", url.Values{}); p.Status != http.StatusNotFound {
		t.Fatalf("another landlord's accept: %d, want 404", p.Status)
	}
	other.must(http.StatusOK, "/landlord/orders").contains(t, `id="no-orders"`)

	rej := b.post("/landlord/orders/"+first+"/reject", url.Values{"reason": {"这段时间房子已有安排"}, "back": {"/landlord/orders"}})
	seeOther(t, "reject", rej, `^/landlord/orders\?done=rejected&v=\d+$`)
	b.must(http.StatusOK, rej.Location).contains(t, "已拒绝订单", `id="state-`+first+`">已拒绝<`, "原因：这段时间房子已有安排")
	acc := b.post("/landlord/orders/"+second+"/accept", url.Values{"back": {"/landlord/orders?status=wait_accept"}})
	seeOther(t, "accept", acc, `^/landlord/orders\?done=accepted&status=wait_accept&v=\d+$`)
	b.must(http.StatusOK, acc.Location).contains(t, "已接受订单", "没有待房东确认的订单")
	b.must(http.StatusOK, "/landlord/orders?status=wait_payment&v=1").contains(t, `id="state-`+second+`">待支付<`, "等待租客支付")
	if o := tenant.Must(http.StatusOK, "GET", "/orders/"+second, nil); o["status"] != "wait_payment" {
		t.Fatalf("the accepted order: %v", o)
	}
	// Accepting twice is refused with the reason, not an error page.
	again := b.post("/landlord/orders/"+second+"/accept", url.Values{"back": {"/landlord/orders"}})
	if again.Status != http.StatusConflict {
		t.Fatalf("accepting twice: %d, want 409", again.Status)
	}
	again.contains(t, "订单状态已变化")
}
