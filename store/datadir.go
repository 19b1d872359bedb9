package store

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// DataDirEnv names the environment variable that overrides the default
// data folder (`make run` points it at ./.lawtrail-data).
const DataDirEnv = "LAWTRAIL_DATA"

// DefaultDir returns the data folder used when none is given: $LAWTRAIL_DATA,
// else the user's data directory — $XDG_DATA_HOME/lawtrail or
// ~/.local/share/lawtrail on Linux, %LocalAppData%\lawtrail on Windows,
// ~/Library/Application Support/lawtrail on macOS.
func DefaultDir() (string, error) {
	if d := os.Getenv(DataDirEnv); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "lawtrail"), nil
		}
	case "darwin", "ios":
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "lawtrail"), nil
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "lawtrail"), nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no data folder: set --data or " + DataDirEnv)
	}
	return filepath.Join(home, ".local", "share", "lawtrail"), nil
}
