package emulator

import (
	"strconv"
	"strings"
	"unicode"
)

// lv formats a request-supplied value for a key=value log line: plain when
// it is safe, quoted when it has spaces or control characters, so a crafted
// RoleArn or token claim cannot forge or split log lines.
func lv(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '"' }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

func lvList(list []string) string { return lv(strings.Join(list, ",")) }
