package casework

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what an officer may do on a terminal and at the hub.
type Role string

// The roles an officer can hold (DOMAIN.md L2, L8).
const (
	RoleOfficer    Role = "officer"    // 执法人员: records enforcement acts
	RoleClerk      Role = "clerk"      // evidence clerk: docks recorders
	RoleReviewer   Role = "reviewer"   // 法制审核人员: legal review
	RoleHead       Role = "head"       // 负责人: approves; decides disagreements
	RolePublisher  Role = "publisher"  // 公示管理员: publishes decisions
	RoleSupervisor Role = "supervisor" // 监督人员: supervises and reads
	RoleAdmin      Role = "admin"      // enrolls officers, configures the terminal
)

// Roles lists every role in a fixed order.
var Roles = []Role{RoleOfficer, RoleClerk, RoleReviewer, RoleHead, RolePublisher, RoleSupervisor, RoleAdmin}

// ParseRoles reads a comma-separated role list such as "officer,admin".
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, part := range strings.Split(s, ",") {
		r := Role(strings.TrimSpace(part))
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			return nil, fmt.Errorf("unknown role %q (want one of %v)", r, Roles)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no role given")
	}
	return out, nil
}

// HasRole reports whether roles contains r.
func HasRole(roles []Role, r Role) bool { return slices.Contains(roles, r) }

// checkID accepts identifiers that are safe in file names, URLs and logs.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s: empty", what)
	}
	if len(id) > 64 {
		return fmt.Errorf("%s %q: longer than 64 characters", what, id[:64])
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%s %q: only letters, digits, '-', '_' and '.' are allowed", what, id)
		}
	}
	return nil
}

// checkText accepts a required human-readable text of bounded length.
func checkText(what, s string, max int) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("%s: empty", what)
	case len([]rune(s)) > max:
		return fmt.Errorf("%s: longer than %d characters", what, max)
	case strings.ContainsAny(s, "\x00\r\n"):
		return fmt.Errorf("%s: contains a control character", what)
	}
	return nil
}

// CheckID says whether id is a well-formed identifier (of an officer, case,
// step, document): 1–64 letters, digits, '-', '_' or '.'.
func CheckID(what, id string) error { return checkID(what, id) }
