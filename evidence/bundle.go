package evidence

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SumsFile is the checksum list of an export bundle, in the format
// `sha256sum` writes and `sha256sum -c` checks: "<hex>  <path>" per line.
const SumsFile = "SHA256SUMS"

// WriteSHA256Sums lists every file under dir (but the list itself) with its
// SHA-256, sorted by path.
func WriteSHA256Sums(dir string) error {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == SumsFile {
			return nil
		}
		sum, err := fileSum(p)
		if err != nil {
			return err
		}
		lines = append(lines, sum.String()+"  "+rel)
		return nil
	})
	if err != nil {
		return fmt.Errorf("checksum bundle %s: %w", dir, err)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][66:] < lines[j][66:] })
	return os.WriteFile(filepath.Join(dir, SumsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func fileSum(p string) (Digest, error) {
	f, err := os.Open(p)
	if err != nil {
		return Digest{}, err
	}
	defer f.Close()
	return readerSum(f)
}

func readerSum(r io.Reader) (Digest, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return Digest{}, err
	}
	var d Digest
	h.Sum(d[:0])
	return d, nil
}

// CheckSHA256Sums verifies every file the list names and that no file is
// outside it. It returns the listed paths and one problem per bad file.
func CheckSHA256Sums(fsys fs.FS) ([]string, []string, error) {
	raw, err := fs.ReadFile(fsys, SumsFile)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	var listed, problems []string
	want := map[string]Digest{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if len(line) < 67 || line[64:66] != "  " {
			return nil, nil, fmt.Errorf("bundle: %s line %d is not \"<sha256>  <path>\"", SumsFile, n)
		}
		d, err := ParseDigest(line[:64])
		if err != nil {
			return nil, nil, fmt.Errorf("bundle: %s line %d: %w", SumsFile, n, err)
		}
		p := line[66:]
		if !fs.ValidPath(p) {
			return nil, nil, fmt.Errorf("bundle: %s line %d: bad path %q", SumsFile, n, p)
		}
		want[p] = d
		listed = append(listed, p)
	}
	for _, p := range listed {
		f, err := fsys.Open(p)
		if err != nil {
			problems = append(problems, p+": missing")
			continue
		}
		got, err := readerSum(f)
		f.Close()
		if err != nil {
			problems = append(problems, p+": "+err.Error())
		} else if got != want[p] {
			problems = append(problems, p+": content changed (SHA-256 "+got.String()+")")
		}
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == SumsFile {
			return err
		}
		if _, ok := want[p]; !ok {
			problems = append(problems, p+": not listed in "+SumsFile)
		}
		return nil
	})
	return listed, problems, err
}
