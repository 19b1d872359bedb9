package live

import (
	"os/exec"
	"syscall"
)

// endWithParent makes ffmpeg end with the terminal: a crashed terminal
// leaves no stream going out.
func endWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
