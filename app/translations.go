package app

import (
	"fmt"

	"fyne.io/fyne/v2/lang"

	"lawtrail/assets"
)

// LoadTranslations registers the embedded zh-CN and en translations with
// Fyne's lang package; Fyne picks by the system locale, and the
// translation files are the only place user-visible text lives.
func LoadTranslations() error {
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	return nil
}
