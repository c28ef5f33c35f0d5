package web

// opsRoutes registers the operator page (/ops, admins only) when Deps.Ops is
// set. Filled by the operator page's author.
func (p *pages) opsRoutes(r router) {}
