// Package usbvm tests device/usb against real USB stacks: it boots a
// Debian kernel under QEMU (TCG) with an initramfs of the project's
// binaries, attaches QEMU's usb-mtp and usb-storage devices or, inside the
// guest, a fake locked recorder made with dummy_hcd and FunctionFS, and
// runs one scenario per boot (see guest/). Run it with `make test-usb`;
// the tests carry the build tag usbvm. LAWTRAIL_SKIP_USBVM=1 skips them,
// and nothing else does.
package usbvm
