package protocol

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// EnrollCode is what an administrator hands to a terminal: where the hub is,
// the certificate fingerprint to pin, and the one-time secret.
type EnrollCode struct {
	URL         string `json:"url"`
	Fingerprint string `json:"fp"`
	Secret      string `json:"secret"`
}

// MaxEnrollCode bounds a pasted code before it is decoded: a real code is
// about 300 characters (an https URL, a fingerprint, a secret).
const MaxEnrollCode = 4096

// codePrefix starts every enrollment code, so a pasted string is recognised.
const codePrefix = "LT1-"

// String encodes the code for copying (base64url of its JSON).
func (c EnrollCode) String() string {
	b, _ := json.Marshal(c)
	return codePrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParseEnrollCode reads a code printed by `lawtrail-hub enroll`.
func ParseEnrollCode(s string) (EnrollCode, error) {
	var c EnrollCode
	if len(s) > MaxEnrollCode {
		return c, fmt.Errorf("enrollment code: %d characters, more than %d (not a code from lawtrail-hub enroll)", len(s), MaxEnrollCode)
	}
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, codePrefix) {
		return c, fmt.Errorf("enrollment code: does not start with %s", codePrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[len(codePrefix):])
	if err != nil {
		return c, fmt.Errorf("enrollment code: %w", err)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("enrollment code: %w", err)
	}
	if !strings.HasPrefix(c.URL, "https://") || len(c.Fingerprint) != 64 || c.Secret == "" {
		return c, errors.New("enrollment code: incomplete (url, fingerprint or secret missing)")
	}
	return c, nil
}
