package docpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// A PDF of a document must render to the same bytes every time, so that a
// verifier can render it again from the signed content and compare byte for
// byte (the case file's promise). fpdf stamps its info dictionary with the
// time of rendering, unzoned; Render gives it the signing time instead, and
// zoneDates writes that time with its zone (PDF 1.7 §7.9.4, "D:YYYYMMDDHHmmSS+08'00'"),
// fixing the cross-reference offsets the longer strings move.

var infoDate = regexp.MustCompile(`/(CreationDate|ModDate) \(D:(\d{14})\)`)

// zoneDates adds the zone of t to the info dictionary's dates (which fpdf
// wrote as t's wall clock without a zone).
func zoneDates(pdf []byte, t time.Time) ([]byte, error) {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	zone := fmt.Sprintf("%c%02d'%02d'", sign, off/3600, off%3600/60)
	locs := infoDate.FindAllSubmatchIndex(pdf, -1)
	if len(locs) != 2 {
		return nil, fmt.Errorf("pdf dates: found %d info dates, want 2", len(locs))
	}
	var out bytes.Buffer
	var inserts []int // positions (in the old bytes) where the zone went in
	last := 0
	for _, l := range locs {
		end := l[5] // end of the 14 digits
		out.Write(pdf[last:end])
		out.WriteString(zone)
		inserts = append(inserts, end)
		last = end
	}
	out.Write(pdf[last:])
	return fixXref(out.Bytes(), inserts, len(zone))
}

var xrefEntry = regexp.MustCompile(`(?m)^(\d{10}) (\d{5}) n`)

// fixXref moves every cross-reference offset and startxref past the
// insertion points by the bytes inserted there.
func fixXref(pdf []byte, inserts []int, n int) ([]byte, error) {
	shift := func(off int) int {
		d := 0
		for _, p := range inserts {
			if off > p {
				d += n
			}
		}
		return off + d
	}
	x := bytes.LastIndex(pdf, []byte("\nxref\n"))
	sx := bytes.LastIndex(pdf, []byte("\nstartxref\n"))
	if x < 0 || sx < x {
		return nil, fmt.Errorf("pdf dates: no cross-reference table")
	}
	table := xrefEntry.ReplaceAllFunc(pdf[x:sx], func(m []byte) []byte {
		off, _ := strconv.Atoi(string(m[:10]))
		return []byte(fmt.Sprintf("%010d%s", shift(off), m[10:]))
	})
	tail := pdf[sx+len("\nstartxref\n"):]
	nl := bytes.IndexByte(tail, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("pdf dates: startxref without a number")
	}
	start, err := strconv.Atoi(string(tail[:nl]))
	if err != nil {
		return nil, fmt.Errorf("pdf dates: startxref: %w", err)
	}
	var out bytes.Buffer
	out.Write(pdf[:x])
	out.Write(table)
	fmt.Fprintf(&out, "\nstartxref\n%d\n", shift(start))
	out.Write(tail[nl+1:])
	return out.Bytes(), nil
}
