// Package device says what a body-worn recorder (执法记录仪) is to lawtrail,
// however it is attached: a Source of files with device information (maker,
// model, serial, officer, unit, clock), and the file-name profiles that read
// a recording's serial, officer, start time, sequence and "important" mark
// from vendors' names. Profiles are data (assets/profiles/recorders.json),
// not code. Subpackages attach real devices: device/msc (a mounted file
// system or any folder), device/mtp (MTP/PTP in pure Go), device/unlock
// (vendor unlock of locked recorders over mass-storage BOT), device/usb
// (finds recorders with libusb and opens them as Sources), device/volume
// (the kernel's disk of a USB interface, mounted).
package device
