package command

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/zufang/rental"
)

// The one rule for text a user gives a command. Every command that takes
// text checks it with lineProblem (a name, a title, an address: one line) or
// textProblem (a description, a reason, a review: line breaks and tabs
// allowed). Both refuse what a page or a log would show as something else
// than what was typed: bytes that are not UTF-8, control characters (NUL
// included), the bidirectional embedding, override and isolate controls
// (which reorder what follows them on screen), and text made only of
// invisible characters (zero-width spaces and the like), which looks empty.

// lineProblem says what is wrong with single-line text of min to max
// characters ("" if nothing).
func lineProblem(s string, min, max int) string { return checkChars(s, min, max, false) }

// textProblem is lineProblem for text that may span lines.
func textProblem(s string, min, max int) string { return checkChars(s, min, max, true) }

func checkText(field, s string, min, max int) error {
	if problem := textProblem(s, min, max); problem != "" {
		return rental.InvalidField(field, problem)
	}
	return nil
}

func checkChars(s string, min, max int, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	visible := false
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			if multiline {
				return "must not contain control characters (line breaks and tabs aside)"
			}
			return "must be one line without control characters"
		case bidiControl(r):
			return "must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)"
		case !visible && !invisible(r):
			visible = true
		}
	}
	switch n := utf8.RuneCountInString(s); {
	case n > max:
		return "must be at most " + strconv.Itoa(max) + " characters"
	case n < min || (min > 0 && !visible):
		return "must not be empty"
	case n > 0 && !visible:
		return "must not be made only of invisible characters"
	}
	return ""
}

// bidiControl reports the embeddings, overrides and isolates: the marks
// (U+200E, U+200F) only set the direction of neutral characters and stay.
func bidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// invisible reports white space and the characters that take no room: a
// text of these only is empty to the eye. Inside visible text they stay
// (a zero-width joiner builds emoji, a soft hyphen marks where to break).
func invisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u180E', '\u034F',
		'\u2061', '\u2062', '\u2063', '\u2064', '\u200E', '\u200F', '\u3164', '\u115F', '\u1160':
		return true
	}
	return unicode.IsSpace(r)
}
