//go:build !linux

package live

import "os/exec"

// endWithParent: only Linux can tie a child's life to its parent's; ffmpeg
// still ends when its recording pipe breaks.
func endWithParent(*exec.Cmd) {}
