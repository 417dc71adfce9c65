package emulator

import "testing"

func TestLogValueCannotSplitLines(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::111122223333:role/x": "arn:aws:iam::111122223333:role/x",
		"":                                 `""`,
		"a b":                              `"a b"`,
		"x\nsts action=forged result=ok":   `"x\nsts action=forged result=ok"`,
		`q"uote`:                           `"q\"uote"`,
	} {
		if got := lv(in); got != want {
			t.Errorf("lv(%q) = %s, want %s", in, got, want)
		}
	}
}
