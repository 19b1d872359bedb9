// Package casework is the enforcement domain as lawtrail records it:
// agencies, officers and their roles, cases with the four phases of an
// enforcement act (启动, 调查取证, 审核决定, 送达执行) and their typed steps, and
// the footage linked to them. Every change is an event: this package names
// the event types, defines and validates their payloads, and states the rules
// a new event must satisfy against the current state. It keeps no state and
// does no I/O; the store applies its events to tables.
package casework
