// Package app is lawtrail's Fyne user interface and nothing else: screens,
// widgets, the theme with the bundled CJK fonts, and the translations
// (Chinese first, English second). Work that touches the disk runs off the
// UI goroutine and hands its result back with fyne.Do; every rule and every
// record lives in the packages below, which never import Fyne.
package app
