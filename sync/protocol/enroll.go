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
