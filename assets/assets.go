// Package assets holds the files lawtrail embeds in its binaries: the CJK
// fonts (Noto Sans CJK SC, SIL OFL 1.1, cut down by fonts/subset.sh), the
// icon, and the UI translations. It exposes bytes and file systems only, so
// packages that must not import Fyne can still use it.
package assets

import (
	"embed"
	_ "embed"
)

// FontRegular covers the GBK character set; FontBold covers GB2312.
var (
	//go:embed fonts/NotoSansCJKsc-Regular-GBK.otf
	FontRegular []byte
	//go:embed fonts/NotoSansCJKsc-Bold-GB2312.otf
	FontBold []byte
	//go:embed fonts/LICENSE-fonts-noto-cjk.txt
	FontLicense []byte
	// FontRegularTTF is FontRegular with TrueType outlines, for PDFs.
	//go:embed fonts/NotoSansCJKsc-Regular-GBK.ttf
	FontRegularTTF []byte
)

// Icon is the application icon (256×256 PNG).
//
//go:embed icons/lawtrail.png
var Icon []byte

// Translations holds translations/<lang>.json for Fyne's lang package.
//
//go:embed translations/*.json
var Translations embed.FS

// RecorderProfiles is the shipped file-name profiles file (device.ParseProfiles).
//
//go:embed profiles/recorders.json
var RecorderProfiles []byte

// DemoClips are three short generated test-pattern clips (H.264/AAC) that
// `lawtrail --demo` puts on a simulated recorder.
//
//go:embed demo/*.mp4
var DemoClips embed.FS

// AVMatters is the shipped list of steps that must or should be filmed
// (音像记录事项清单), casework.ParseAVMatters reads it.
//
//go:embed lists/av-matters.json
var AVMatters []byte

// MajorDecisions is the shipped example list of major enforcement decisions
// and the review policy (重大执法决定法制审核事项清单), casework.ParseMajorList reads it.
//
//go:embed lists/major-decisions.json
var MajorDecisions []byte

// Retention is the shipped retention policy (保存期限): footage linked to no
// case kept 6 months from recording, linked footage and case files kept
// with the case record; casework.ParseRetention reads it.
//
//go:embed lists/retention.json
var Retention []byte

// Templates holds templates/*.json, the document types (casework.LoadTemplates).
//
//go:embed templates/*.json
var Templates embed.FS

// ReviewForms holds review/*.json, the two forms of legal review
// (法制审核意见书, 集体讨论记录) as casework templates. They are not document
// types an officer drafts: the record fills them from a review round's
// signed events (casefile), so they are kept apart from Templates.
//
//go:embed review/*.json
var ReviewForms embed.FS

// LockedRecorders are the vendor-unlock profiles (device/unlock).
//
//go:embed profiles/locked-recorders.json
var LockedRecorders []byte
