package casework

import (
	"fmt"
	"slices"
	"time"
)

// Event types of an officer's standing after enrollment.
const (
	TypeOfficerRevoked      = "officer.revoked"
	TypeOfficerRolesChanged = "officer.roles_changed"
)

// OfficerRevoked ends an officer's standing in the agency: from this event on
// they can neither log in nor sign on any terminal the event reaches. Their
// past signatures stay valid.
type OfficerRevoked struct {
	Officer string `json:"officer"`
	Reason  string `json:"reason"`
}

// OfficerRolesChanged replaces an officer's roles.
type OfficerRolesChanged struct {
	Officer string `json:"officer"`
	Roles   []Role `json:"roles"`
}

func (OfficerRevoked) EventType() string      { return TypeOfficerRevoked }
func (OfficerRolesChanged) EventType() string { return TypeOfficerRolesChanged }

// Validate checks the payload on its own.
func (p OfficerRevoked) Validate() error {
	return firstError(checkID("officer", p.Officer), checkText("revocation reason", p.Reason, 500))
}

// Validate checks the payload on its own.
func (p OfficerRolesChanged) Validate() error {
	if err := checkRoles(p.Officer, p.Roles); err != nil {
		return err
	}
	return checkID("officer", p.Officer)
}

func checkRoles(officer string, roles []Role) error {
	if len(roles) == 0 {
		return fmt.Errorf("officer %s: no role", officer)
	}
	for i, r := range roles {
		if !slices.Contains(Roles, r) {
			return fmt.Errorf("officer %s: unknown role %q", officer, r)
		}
		if slices.Contains(roles[:i], r) {
			return fmt.Errorf("officer %s: role %q twice", officer, r)
		}
	}
	return nil
}

// DateLayout is how a credential's valid-until date is written.
const DateLayout = "2006-01-02"

// ParseValidUntil reads a valid-until date (YYYY-MM-DD); empty means no end.
func ParseValidUntil(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(DateLayout, s, Shanghai)
	if err != nil {
		return time.Time{}, fmt.Errorf("valid-until date %q: want YYYY-MM-DD", s)
	}
	return d, nil
}

// CredentialValidAt reports whether an officer's credential lets them act as
// an enforcement officer at t: they hold a credential number, and t falls on
// or before its valid-until day (Asia/Shanghai), if it has one.
func (o Officer) CredentialValidAt(t time.Time) bool {
	if o.CredentialNo == "" {
		return false
	}
	if o.ValidUntil == "" {
		return true
	}
	end, err := ParseValidUntil(o.ValidUntil)
	if err != nil {
		return false
	}
	return t.In(Shanghai).Before(end.AddDate(0, 0, 1))
}
