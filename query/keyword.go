package query

import (
	"slices"
	"unicode/utf8"
)

// KeywordGrams are what a search keyword is matched by: its one character,
// or every pair of adjacent characters of it. A listing matches when its
// search text (events.ListingState.SearchText) holds all of them, each within
// one field: for one or two characters a plain substring, for more the
// n-gram match of a search engine without positions (精装修 finds 精装 and
// 装修 anywhere in the text). Both sides answer it alike: the read model from
// a bitmap per gram, with no scan however common the word; MySQL with one
// INSTR per gram.
func KeywordGrams(keyword string) []string {
	if keyword == "" {
		return nil
	}
	var chars []string
	for i, w := 0, 0; i < len(keyword); i += w {
		_, w = utf8.DecodeRuneInString(keyword[i:])
		chars = append(chars, keyword[i:i+w])
	}
	if len(chars) == 1 {
		return chars
	}
	var out []string
	for i := 1; i < len(chars); i++ {
		if g := chars[i-1] + chars[i]; !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}
