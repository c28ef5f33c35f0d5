package web

import "github.com/labstack/echo/v4"

// tab is one tab of a section's bar.
type tab struct {
	Path, Name, ID string
}

// section is what every page of a section (the /me pages, the landlord's)
// draws above its own content (_me_tabs.html, _landlord_tabs.html): the
// tab bar with the current tab, and what the last change did (?done=).
type section struct {
	Tabs    []tab
	Current string
	Notice  string
}

// newSection is the head of a page of the section with tabs, the notice
// named by ?done= taken from notices.
func newSection(c echo.Context, tabs []tab, notices map[string]string, current string) section {
	return section{Tabs: tabs, Current: current, Notice: notices[c.QueryParam("done")]}
}
