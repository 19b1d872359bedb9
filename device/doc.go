// Package device says what a body-worn recorder (执法记录仪) is to lawtrail,
// however it is attached: a source of files with device information (maker,
// model, serial, officer, unit, clock), and the file-name profiles that read
// recording times and marks from vendors' names. Its subpackages attach
// real devices: device/msc (a mounted file system or folder), device/mtp
// (MTP/PTP in pure Go) and device/usb (the only importer of gousb).
//
// The docking issue fills this package; until then it holds only this map.
package device
