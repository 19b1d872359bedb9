// Package terminal is the action layer: everything a person does at a
// terminal — unlock it, log in, enroll and revoke officers, open a case,
// record a step with the officers present co-signing, link footage, mark a
// step text-only, draft and finalize documents — once, for every front end.
// The app and lawtrailctl turn widgets or flags into a call here and show
// the result; neither builds events itself. The rules that make an act
// lawful run inside the store's append transaction (casework.CheckRules),
// so no front end can skip them; this package adds what needs secrets
// (unsealing keys with a PIN, the lockout after wrong PINs) and the agency
// configuration in force.
package terminal
