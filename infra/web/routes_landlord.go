package web

// landlordRoutes registers the landlord's pages (my listings, the listing
// form, photos, incoming orders). Filled by the landlord pages' author.
func (p *pages) landlordRoutes(r router) {}
