package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// The one mapping of rental.Error for pages:
//   - EINVALID: the form again (400) with each field's message beside its
//     field and what was typed kept: fail's again;
//   - EUNAUTHORIZED: a redirect to /login?next=<this page>;
//   - EFORBIDDEN: the 403 page; ENOTFOUND: the 404 page;
//   - ECONFLICT: the form again with the message (409), or the 409 page;
//   - anything else: the 500 page, with no detail (the detail is logged).

// fail answers a page's failed command or query. again draws the form once
// more with the fields' messages; nil for a page without a form, where an
// EINVALID shows the error page with the messages.
func (p *pages) fail(c echo.Context, err error, again func(Form) error) error {
	switch rental.ErrorCode(err) {
	case rental.EINVALID:
		if again != nil {
			return again(formOf(c).withError(err))
		}
	case rental.ECONFLICT:
		if again != nil {
			return again(formOf(c).withError(err))
		}
	case rental.ETOOMANY:
		if again != nil {
			setRetryAfter(c, err)
			return again(formOf(c).withError(err))
		}
	}
	return err
}

// setRetryAfter says when a refused attempt may come again (whole seconds).
func setRetryAfter(c echo.Context, err error) {
	if wait := rental.ErrorRetryAfter(err); wait > 0 {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	}
}

// status is the HTTP status of a page error.
var status = map[string]int{
	rental.EINVALID:      http.StatusBadRequest,
	rental.EUNAUTHORIZED: http.StatusUnauthorized,
	rental.EFORBIDDEN:    http.StatusForbidden,
	rental.ENOTFOUND:     http.StatusNotFound,
	rental.ECONFLICT:     http.StatusConflict,
	rental.EINTERNAL:     http.StatusInternalServerError,
	rental.EUNAVAILABLE:  http.StatusServiceUnavailable,
	rental.ETOOMANY:      http.StatusTooManyRequests,
}

// errorHandler draws every error of a page request as an HTML page.
func (p *pages) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		err = fromEcho(he)
	}
	code := rental.ErrorCode(err)
	if code == rental.EUNAUTHORIZED {
		_ = c.Redirect(http.StatusSeeOther, loginURL(c))
		return
	}
	if code == rental.EINTERNAL && !errors.Is(err, context.Canceled) {
		p.Log.Error("page failed", "method", c.Request().Method, "path", c.Request().URL.Path,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
	}
	e := errorView{Status: status[code], Code: code}
	switch code {
	case rental.ENOTFOUND:
		e.Title, e.Message = "页面不存在", "您要找的页面不存在，或房源已下架。"
	case rental.EFORBIDDEN:
		e.Title, e.Message = "无权访问", zhMessage(rental.ErrorMessage(err))
	case rental.EINVALID:
		e.Title, e.Message = "请求有误", zhMessage(rental.ErrorMessage(err))
		for k, v := range rental.ErrorFields(err) {
			e.Fields = append(e.Fields, k+"："+zhMessage(v))
		}
	case rental.ECONFLICT:
		e.Title, e.Message = "操作未完成", zhMessage(rental.ErrorMessage(err))
	case rental.ETOOMANY:
		setRetryAfter(c, err)
		e.Title, e.Message = "操作太频繁", zhMessage(rental.ErrorMessage(err))
	case rental.EUNAVAILABLE:
		// The command may have taken effect: say so, so nobody books twice blindly.
		e.Title, e.Message = "服务繁忙", "操作未能及时完成，可能已经生效，也可能没有。请稍后刷新页面确认，再决定是否重试。"
	default:
		e.Title, e.Message = "服务器出错了", "请稍后再试。"
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	if rerr := p.render(c, e.Status, "error", e.Title, e); rerr != nil {
		p.Log.Error("drawing the error page", "err", rerr)
		_ = c.String(e.Status, e.Title)
	}
}

type errorView struct {
	Status  int
	Code    string
	Title   string
	Message string
	Fields  []string
}

// loginURL sends the user to log in and come back: to this page after a
// GET, to the page the form was on after a POST.
func loginURL(c echo.Context) string {
	next := c.Request().URL.RequestURI()
	if c.Request().Method != http.MethodGet {
		next = "/"
		if ref, err := url.Parse(c.Request().Referer()); err == nil && ref.Host == c.Request().Host {
			next = ref.RequestURI()
		}
	}
	return "/login?next=" + url.QueryEscape(localPath(next, "/"))
}

// fromEcho turns echo's own errors (no route, body too large) into ours.
func fromEcho(he *echo.HTTPError) error {
	msg, _ := he.Message.(string)
	switch {
	case he.Code == http.StatusNotFound, he.Code == http.StatusMethodNotAllowed:
		return rental.Errorf(rental.ENOTFOUND, "not found")
	case he.Code == http.StatusUnauthorized:
		return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	case he.Code == http.StatusForbidden:
		return rental.Errorf(rental.EFORBIDDEN, "%s", msg)
	case he.Code == http.StatusRequestEntityTooLarge:
		return rental.InvalidField("body", "提交的内容太大")
	case he.Code >= 400 && he.Code < 500:
		return rental.InvalidField("request", msg)
	default:
		if he.Internal != nil {
			return he.Internal
		}
		return errors.New(msg)
	}
}

// zhMessages are the commands' messages in the site's language; a message
// not listed is shown as the command wrote it.
var zhMessages = map[string]string{
	"must not be empty":                                               "不能为空",
	"is required":                                                     "必填",
	"must be > 0":                                                     "必须大于 0",
	"must be >= 0":                                                    "不能为负数",
	"must be >= price_min":                                            "不能低于最低价格",
	"must be a valid email address":                                   "请输入有效的邮箱地址",
	"must be an 11-digit mainland mobile number":                      "请输入 11 位大陆手机号",
	"must be at least 8 characters":                                   "至少 8 个字符",
	"must be at most 72 bytes":                                        "最多 72 字节",
	"must be 1 to 32 characters":                                      "长度为 1 到 32 个字符",
	"email or mobile is required":                                     "请填写邮箱或手机号",
	"at least one role is required":                                   "请至少选择一种身份",
	"each role must be tenant or landlord":                            "身份只能是租客或房东",
	"must differ from the old password":                               "不能与旧密码相同",
	"is already registered":                                           "已被注册",
	"does not match":                                                  "不正确",
	"is needed to change the email or mobile you log in with":         "修改邮箱或手机号需要输入当前密码",
	"must not be your email or mobile":                                "不能与邮箱或手机号相同",
	"is one of the commonest passwords: choose another":               "这是最常见的密码之一，请换一个",
	"wrong login or password":                                         "账号或密码错误",
	command.BadDate:                                                   "请输入日期（YYYY-MM-DD，1970 年以后）",
	"must be a whole number from 1 to 5":                              "请选择 1 到 5 星",
	"must be whole or shared":                                         "只能是整租或合租",
	"is required with start_date":                                     "请同时填写入住日期",
	"is required with end_date":                                       "请同时填写退租日期",
	"is required with district":                                       "选择区域前请先选择城市",
	"no published listing has this id":                                "该房源未上架",
	"this account must choose a new password: send it with the login": "该账号需要先设置新密码才能登录",
	"the listing is already booked for some of these dates":           "所选日期已被预订，请换个日期",
	"you cannot book your own listing":                                "不能预订自己的房源",
	// the landlord's pages: listings and photos
	"is required to publish":                       "发布前必须填写",
	"listing is already published":                 "房源已经上架",
	"must be a JPEG, PNG or WebP image":            "必须是 JPEG、PNG 或 WebP 格式的图片（按文件内容判断）",
	"is too large: at most 10 MB per photo":        "文件太大：每张照片不超过 10 MB",
	"is too large: at most 50 megapixels":          "图片像素太多：最多 5000 万像素",
	"is empty":                                     "文件是空的",
	"the upload was cut short":                     "上传中断，请重试",
	"the upload is larger than the server accepts": "一次上传的内容太多，请分几次上传",
	"must be sent as multipart/form-data":          "请通过上传表单选择文件",
}

var zhPatterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`^too many attempts: try again in (\d+) minute\(s\)$`), "尝试次数过多，请 $1 分钟后再试"},
	{regexp.MustCompile(`^too many attempts: try again in (\d+) second\(s\)$`), "尝试次数过多，请 $1 秒后再试"},
	{regexp.MustCompile(`^must be after start_date.*`), "必须晚于入住日期（退租日为离开当天）"},
	{regexp.MustCompile(`^must not be in the past \(today is (\S+) in China\)$`), "不能早于今天（$1）"},
	{regexp.MustCompile(`^must be within (\d+) days from today$`), "只能预订 $1 天之内入住"},
	{regexp.MustCompile(`^a stay lasts at most (\d+) months$`), "租期最长 $1 个月"},
	{regexp.MustCompile(`^this listing lets for at least (\d+) month\(s\)$`), "该房源最短租期 $1 个月"},
	{regexp.MustCompile(`^must be between (\d+) and (\d+)$`), "必须在 $1 到 $2 之间"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "最多 $1 个字符"},
	{regexp.MustCompile(`^must be one line of at most (\d+) characters$`), "最多 $1 个字符，且不能换行"},
	{regexp.MustCompile(`^must be > 0 and at most (\d+)$`), "必须大于 0 且不超过 $1"},
	{regexp.MustCompile(`^unknown city.*`), "未知城市"},
	{regexp.MustCompile(`^unknown district.*`), "该城市没有这个区域"},
	{regexp.MustCompile(`^unknown facility.*`), "未知配套设施"},
	// orders (the /me pages)
	{regexp.MustCompile(`^an order that is \S+ cannot be \S+$`), "订单状态已变化，无法进行该操作，请查看订单当前状态"},
	{regexp.MustCompile(`^an order can be reviewed once its stay is over.*`), "租期结束后才能评价"},
	{regexp.MustCompile(`^only the tenant may do this$`), "只有下单的租客可以进行该操作"},
	{regexp.MustCompile(`^only the landlord may do this$`), "只有房东可以进行该操作"},
	// the landlord's pages
	{regexp.MustCompile(`^only a published listing can be unpublished.*`), "只有已上架的房源才能下架"},
	{regexp.MustCompile(`^(\d+) order\(s\) hold this listing.*`), "有 $1 个进行中的订单占用该房源，暂时不能删除：请先处理这些订单（拒绝待确认的，或等租期结束），或改为下架"},
	{regexp.MustCompile(`^a listing has at most (\d+) images$`), "每套房源最多 $1 张照片"},
	{regexp.MustCompile(`^is not a complete (\S+) image$`), "不是完整的 $1 图片（文件可能已损坏）"},
	{regexp.MustCompile(`^the upload was cut short or is not valid multipart/form-data$`), "上传中断，请重试"},
}

func zhMessage(msg string) string {
	if zh, ok := zhMessages[msg]; ok {
		return zh
	}
	for _, p := range zhPatterns {
		if p.re.MatchString(msg) {
			return p.re.ReplaceAllString(msg, p.repl)
		}
	}
	return strings.TrimSpace(msg)
}
