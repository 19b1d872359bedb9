package casework

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Masking personal information for publication (事后公开, DOMAIN P3: a
// published decision shows no individual's name, ID-card or phone number,
// or full address). The rules, documented in docs/EVENTS.md "Publicity":
//   - an individual's name keeps its surname and adds 某: 张三 → 张某,
//     欧阳修 → 欧阳某 (a compound surname keeps both characters), a name of
//     one character becomes 某; an organisation's name stays;
//   - in any text, an 18-character ID-card number (17 digits and a digit or
//     X) keeps its first 4 and last 4 characters (3501**********1234), an
//     old 15-digit one its first 4 and last 3, an 11-digit mobile number
//     its first 3 and last 4 (138****5678), a landline (0 and 9 to 11 more
//     digits) its first 4 (0591********); digits split by spaces, dashes or
//     dots, and full-width digits, count as one number;
//   - an address is cut after its district or county (区/县/旗), or after
//     the street, town or township below it (街道/镇/乡) where it names one;
//     the rest is ** (an address naming neither is ** whole).

// Party is a document's party field (template field type "party").
type Party struct {
	Name     string `json:"name"`
	IDNo     string `json:"id_no"`
	Address  string `json:"address"`
	LegalRep string `json:"legal_rep"`
	Phone    string `json:"phone"`
}

// compoundSurnames are the two-character surnames a masked name keeps whole.
var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
	"宇文", "司徒", "司空", "夏侯", "令狐", "独孤", "南宫", "西门", "轩辕", "端木", "呼延", "万俟", "澹台", "公冶",
	"宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "钟离", "闻人", "赫连", "百里", "东郭", "第五"}

// MaskName masks an individual's name: its surname and 某.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return ""
	case n == 1:
		return "某"
	}
	for _, s := range compoundSurnames {
		if n > 2 && strings.HasPrefix(name, s) {
			return s + "某"
		}
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + "某"
}

// MaskAddress cuts an address after its district/county, or the street,
// town or township below it, and masks the rest.
func MaskAddress(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ""
	}
	cut := -1
	for _, m := range []string{"区", "县", "旗"} {
		if i := strings.Index(addr, m); i >= 0 && (cut < 0 || i+len(m) < cut) {
			cut = i + len(m)
		}
	}
	if cut < 0 {
		return "**"
	}
	rest := addr[cut:]
	for _, m := range []string{"街道", "镇", "乡"} {
		if i := strings.Index(rest, m); i >= 0 {
			cut += i + len(m)
			break
		}
	}
	if cut >= len(addr) {
		return addr
	}
	return addr[:cut] + "**"
}

// digitGroup is a stretch of consecutive digits in a text (a final X kept,
// upper-cased), by byte offsets; sep says only separators stand between it
// and the group before.
type digitGroup struct {
	start, end int
	digits     string
	sep        bool
}

// isSeparator is a character allowed between the digits of one number.
func isSeparator(r rune) bool {
	return r == ' ' || r == '-' || r == '.' || r == '\u00a0' || r == '\u3000' || r == '－' || r == '—' || r == '–' ||
		r == '\t' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff'
}

// digitOf reads r as a decimal digit, ASCII or full-width.
func digitOf(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '０' && r <= '９':
		return byte('0' + r - '０'), true
	}
	return 0, false
}

func isX(r rune) bool { return r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' }

// digitGroups splits s into its groups of digits.
func digitGroups(s string) []digitGroup {
	var out []digitGroup
	onlySep := false // since the last group, only separators
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		d, ok := digitOf(r)
		if !ok {
			onlySep = onlySep && isSeparator(r)
			i += w
			continue
		}
		g := digitGroup{start: i, sep: onlySep && len(out) > 0}
		var b strings.Builder
		for ok {
			b.WriteByte(d)
			i += w
			if i >= len(s) {
				break
			}
			r, w = utf8.DecodeRuneInString(s[i:])
			d, ok = digitOf(r)
		}
		if i < len(s) && isX(r) {
			b.WriteByte('X')
			i += w
		}
		g.end, g.digits = i, b.String()
		out = append(out, g)
		onlySep = true
	}
	return out
}

// personalSpan is a personal number found in a text.
type personalSpan struct {
	start, end int
	digits     string
}

// personalNumbers finds the ID-card, mobile and landline numbers in s: a
// group of digits that makes one, or else consecutive groups with only
// separators between them whose digits make an 18-character ID-card, a
// mobile or a landline number (the first and longest from the left; an
// old 15-digit ID-card number only unsplit, so dates beside numbers are
// not read as one).
func personalNumbers(s string) []personalSpan {
	gs := digitGroups(s)
	taken := make([]bool, len(gs))
	var out []personalSpan
	for i, g := range gs {
		if _, ok := maskNumber(g.digits); ok {
			out = append(out, personalSpan{g.start, g.end, g.digits})
			taken[i] = true
		}
	}
	for i := 0; i < len(gs); i++ {
		for j := min(len(gs)-1, i+8); j > i; j-- {
			if slices.Contains(taken[i:j+1], true) || !joined(gs[i:j+1]) {
				continue
			}
			var b strings.Builder
			for _, g := range gs[i : j+1] {
				b.WriteString(g.digits)
			}
			d := b.String()
			if x := strings.IndexByte(d, 'X'); (x >= 0 && x != 17) || len(d) == 15 {
				continue
			}
			if _, ok := maskNumber(d); ok {
				out = append(out, personalSpan{gs[i].start, gs[j].end, d})
				for k := i; k <= j; k++ {
					taken[k] = true
				}
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b personalSpan) int { return a.start - b.start })
	return out
}

// joined reports whether only separators stand between the groups.
func joined(gs []digitGroup) bool {
	for _, g := range gs[1:] {
		if !g.sep {
			return false
		}
	}
	return true
}

// maskNumber is the masked form of a number that is personal (an ID-card,
// mobile or landline number), and whether it is one.
func maskNumber(d string) (string, bool) {
	n := len(d)
	switch {
	case n == 18:
		return d[:4] + strings.Repeat("*", 10) + d[14:], true
	case strings.Contains(d, "X"):
		return "", false
	case n == 15:
		return d[:4] + strings.Repeat("*", 8) + d[12:], true
	case n == 11 && d[0] == '1':
		return d[:3] + "****" + d[7:], true
	case n >= 10 && n <= 12 && d[0] == '0':
		return d[:4] + strings.Repeat("*", n-4), true
	}
	return "", false
}

// MaskNumbers masks every ID-card, mobile and landline number in s.
func MaskNumbers(s string) string {
	var b strings.Builder
	last := 0
	for _, p := range personalNumbers(s) {
		m, _ := maskNumber(p.digits)
		b.WriteString(s[last:p.start])
		b.WriteString(m)
		last = p.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// namePattern matches name in a text with spaces, dots or zero-width
// characters slipped between its characters.
func namePattern(name string) *regexp.Regexp {
	var parts []string
	for _, r := range strings.TrimSpace(name) {
		if unicode.IsSpace(r) {
			continue
		}
		parts = append(parts, regexp.QuoteMeta(string(r)))
	}
	return regexp.MustCompile(strings.Join(parts, `[\s·•.\-\x{200b}-\x{200d}\x{feff}\x{3000}]*`))
}

// MaskText masks a free text of a decision: the party's name (an
// individual's), address and every personal number.
func MaskText(s string, p Party, kind PartyKind) string {
	if kind == PartyIndividual && utf8.RuneCountInString(strings.TrimSpace(p.Name)) > 0 {
		s = namePattern(p.Name).ReplaceAllLiteralString(s, MaskName(p.Name))
	}
	if a := strings.TrimSpace(p.Address); a != "" {
		s = strings.ReplaceAll(s, a, MaskAddress(a))
	}
	return MaskNumbers(s)
}

// MaskParty is how a party is named in public: an individual as 张某, an
// organisation by its name.
func MaskParty(p Party, kind PartyKind) string {
	if kind == PartyIndividual {
		return MaskName(p.Name)
	}
	return MaskNumbers(strings.TrimSpace(p.Name))
}

// digitsOnly keeps the digits of s (full-width read as ASCII, x as X).
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if d, ok := digitOf(r); ok {
			b.WriteByte(d)
		} else if r == 'x' || r == 'X' || r == 'Ｘ' || r == 'ｘ' {
			b.WriteByte('X')
		}
	}
	return b.String()
}

// ErrUnmasked marks a public text that still carries personal information.
var ErrUnmasked = fmt.Errorf("personal information not masked")

// CheckMasked refuses a text to publish that still carries any unmasked
// ID-card, mobile or landline number, the party's ID-card or phone number
// however split, or an individual party's full name however spaced.
func CheckMasked(text string, p Party, kind PartyKind) error {
	if ps := personalNumbers(text); len(ps) > 0 {
		return fmt.Errorf("%w: the text carries the number %s…", ErrUnmasked, ps[0].digits[:4])
	}
	all := digitsOnly(text)
	for what, v := range map[string]string{"ID-card number": p.IDNo, "phone number": p.Phone} {
		if d := digitsOnly(v); len(d) >= 7 && strings.Contains(all, d) {
			return fmt.Errorf("%w: the text carries the party's %s", ErrUnmasked, what)
		}
	}
	if kind == PartyIndividual && utf8.RuneCountInString(strings.TrimSpace(p.Name)) >= 2 && namePattern(p.Name).MatchString(text) {
		return fmt.Errorf("%w: the text names the party in full; write %s", ErrUnmasked, MaskName(p.Name))
	}
	return nil
}
