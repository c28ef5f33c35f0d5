package command

import (
	"strings"
	"testing"
)

func TestTextRules(t *testing.T) {
	for _, c := range []struct {
		name      string
		s         string
		multiline bool
		want      string // a part of the problem; "" = accepted
	}{
		{"plain Chinese", "望京 精装两居", false, ""},
		{"an emoji built with zero-width joiners", "一家人👨\u200d👩\u200d👧", false, ""},
		{"a right-to-left word with its marks", "שלום \u200f", false, ""},
		{"NUL", "a\x00b", false, "control characters"},
		{"a line break in one line", "a\nb", false, "one line"},
		{"a tab in one line", "a\tb", false, "one line"},
		{"DEL", "a\x7fb", false, "control characters"},
		{"a C1 control", "a\u0085b", false, "control characters"},
		{"a right-to-left override", "gpj.\u202eexe", false, "bidirectional"},
		{"an isolate", "a\u2067b", true, "bidirectional"},
		{"invalid UTF-8", "a\xffb", false, "UTF-8"},
		{"only zero-width characters", "\u200b\u200c\u2060\ufeff", false, "must not be empty"},
		{"line breaks and tabs in a text", "第一行\n\t第二行\r\n", true, ""},
		{"NUL in a text", "a\x00", true, "control characters"},
		{"too long", strings.Repeat("房", 11), false, "at most 10"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rule := lineProblem
			if c.multiline {
				rule = textProblem
			}
			got := rule(c.s, 1, 10)
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Fatalf("%q: %q, want %q", c.s, got, c.want)
			}
		})
	}
	if got := lineProblem("\u200b", 0, 10); !strings.Contains(got, "invisible") {
		t.Fatalf("an optional field of zero-width characters only: %q", got)
	}
	if lineProblem("", 0, 10) != "" {
		t.Fatal("an optional field may be empty")
	}
}
