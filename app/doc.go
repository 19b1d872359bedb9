// Package app is lawtrail's Fyne user interface and nothing else: screens,
// widgets, the theme with the bundled CJK fonts, and the translations
// (Chinese first, English second). Work that touches the disk runs off the
// UI goroutine and hands its result back with fyne.Do. Every act (log in,
// enroll, open a case, record a step co-signed by the officers present,
// finalize a document, export, dock, sync) is a call to the action layer,
// package terminal, which lawtrailctl calls too; errors are shown by their
// kind (terminal.Code) in the interface language, with the detail. Every
// rule and every record lives in the packages below, which never import
// Fyne.
package app
