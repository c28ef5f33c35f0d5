package web

import "html/template"

// iconPath is the inside of a 24×24 SVG icon (stroked lines), written here,
// never taken from a request.
type iconPath = template.HTML

// facilityIcons draw the facilities of the catalog by code; which
// facilities there are, their names and order come from the catalog, and a
// code without a drawing gets the generic one.
var facilityIcons = map[string]iconPath{
	"fridge":       `<rect x="6" y="2.5" width="12" height="19" rx="2"/><path d="M6 9.5h12M9 5.5v2M9 12.5v3"/>`,
	"washer":       `<rect x="4" y="2.5" width="16" height="19" rx="2"/><circle cx="12" cy="13.5" r="4.5"/><path d="M7 6h2M13 6h4"/>`,
	"tv":           `<rect x="2.5" y="5" width="19" height="12.5" rx="1.5"/><path d="M8 21h8M12 17.5V21"/>`,
	"ac":           `<rect x="2.5" y="5" width="19" height="8" rx="2"/><path d="M6 10.5h12M8 16.5c0 1.5-1 2-1 3.5M12 16.5v3.5M16 16.5c0 1.5 1 2 1 3.5"/>`,
	"heating":      `<path d="M5 4v16M9.5 4v16M14 4v16M18.5 4v16M3 8h18M3 17h18"/>`,
	"water_heater": `<rect x="6" y="2.5" width="12" height="15" rx="6"/><path d="M12 7v5M10 20.5h4M12 17.5v3"/>`,
	"gas":          `<path d="M12 2.5c3 4 6 6.5 6 11a6 6 0 0 1-12 0c0-3 1.5-4.5 3-6 .5 2 1.5 3 3 3.5-.5-3 0-6 0-8.5z"/>`,
	"bed":          `<path d="M3 19V6M3 14h18v5M21 14v-2.5a3 3 0 0 0-3-3h-7v5.5"/><circle cx="7" cy="11" r="2"/>`,
	"wifi":         `<path d="M2.5 9a14 14 0 0 1 19 0M5.5 12.5a9.5 9.5 0 0 1 13 0M8.5 16a5 5 0 0 1 7 0"/><circle cx="12" cy="19.5" r="1"/>`,
	"elevator":     `<rect x="4" y="2.5" width="16" height="19" rx="1.5"/><path d="M12 2.5v19M7.5 10l1.5-2 1.5 2M13.5 14l1.5 2 1.5-2"/>`,
}

const genericIcon iconPath = `<circle cx="12" cy="12" r="9"/><path d="M8 12.5l2.5 2.5L16 9.5"/>`

func facilityIcon(code string) iconPath {
	if ic, ok := facilityIcons[code]; ok {
		return ic
	}
	return genericIcon
}
