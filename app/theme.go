package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"lawtrail/assets"
)

// Resources wrapping the embedded font bytes (immutable after start).
var (
	fontRegular = fyne.NewStaticResource("NotoSansCJKsc-Regular-GBK.otf", assets.FontRegular)
	fontBold    = fyne.NewStaticResource("NotoSansCJKsc-Bold-GB2312.otf", assets.FontBold)
	iconPNG     = fyne.NewStaticResource("lawtrail.png", assets.Icon)
)

// Icon returns the application icon.
func Icon() fyne.Resource { return iconPNG }

// Theme is Fyne's default theme with the bundled Noto Sans CJK SC for all
// proportional text, so Chinese renders on machines without a system CJK
// font, and a text size that stays readable on a tablet in sunlight.
type Theme struct {
	fyne.Theme
	dark bool
}

// NewTheme returns lawtrail's theme, light (readable in sunlight) or dark.
func NewTheme(dark bool) *Theme { return &Theme{Theme: theme.DefaultTheme(), dark: dark} }

// Color implements fyne.Theme with the chosen variant.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if t.dark {
		return t.Theme.Color(n, theme.VariantDark)
	}
	return t.Theme.Color(n, theme.VariantLight)
}

// Font implements fyne.Theme.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return t.Theme.Font(s)
	}
	if s.Bold {
		return fontBold
	}
	return fontRegular
}

// Size implements fyne.Theme: slightly larger text and padding than the
// default, for touch and gloves.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 15
	case theme.SizeNameInnerPadding:
		return 10
	}
	return t.Theme.Size(n)
}
