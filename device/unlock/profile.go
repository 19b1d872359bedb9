package unlock

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"lawtrail/device"
)

// Command is a vendor CDB and how much data it moves.
type Command struct {
	CDB string `json:"cdb"` // hex bytes, e.g. "F0 01"
	In  int    `json:"in,omitempty"`
	Out int    `json:"out,omitempty"`
}

func (c Command) bytes() ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(c.CDB, " ", ""))
	if err != nil || len(b) == 0 || len(b) > 16 {
		return nil, fmt.Errorf("cdb %q: 1 to 16 hex bytes", c.CDB)
	}
	return b, nil
}

// RecordField is where a field of the device record sits in identify's reply.
type RecordField struct {
	Field    string `json:"field"` // serial, officer, name, unit_code, unit_name, model
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	Encoding string `json:"encoding,omitempty"` // ascii (default) or gbk
}

// Profile describes one kind of locked recorder, as data.
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Match       struct {
		Vendor  string `json:"vendor"`  // INQUIRY vendor
		Product string `json:"product"` // INQUIRY product ("" matches any)
		// USB lists the "vvvv:pppp" ids the locked device shows, so a scan
		// knows which mass-storage devices to ask.
		USB []string `json:"usb,omitempty"`
	} `json:"match"`
	Identify         Command       `json:"identify"`
	Record           []RecordField `json:"record"`
	GetTime          Command       `json:"get_time"`
	SetTime          Command       `json:"set_time"`
	Battery          Command       `json:"battery"`
	Unlock           Command       `json:"unlock"`
	WrongPasswordASC byte          `json:"wrong_password_asc"`
}

// ParseProfiles reads a profiles file; errors name the profile and field.
func ParseProfiles(raw []byte) ([]Profile, error) {
	if len(raw) > device.MaxProfilesBytes {
		return nil, fmt.Errorf("locked-recorder profiles: %d bytes, more than %d", len(raw), device.MaxProfilesBytes)
	}
	var f struct {
		Version  int       `json:"version"`
		Profiles []Profile `json:"profiles"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("unlock profiles: %w", err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("unlock profiles: version %d, want 1", f.Version)
	}
	for _, p := range f.Profiles {
		if p.Name == "" || p.Match.Vendor == "" {
			return nil, fmt.Errorf("unlock profiles: a profile needs a name and match.vendor")
		}
		for _, id := range p.Match.USB {
			if _, _, err := ParseVIDPID(id); err != nil {
				return nil, fmt.Errorf("unlock profiles: %s: match.usb: %w", p.Name, err)
			}
		}
		for name, c := range map[string]Command{"identify": p.Identify, "get_time": p.GetTime, "set_time": p.SetTime, "battery": p.Battery, "unlock": p.Unlock} {
			if _, err := c.bytes(); err != nil {
				return nil, fmt.Errorf("unlock profiles: %s: %s: %w", p.Name, name, err)
			}
		}
		if p.Unlock.Out < 8 || p.SetTime.Out != 7 {
			return nil, fmt.Errorf("unlock profiles: %s: unlock.out ≥ 8 and set_time.out = 7 are required", p.Name)
		}
		for _, r := range p.Record {
			if r.Offset < 0 || r.Length <= 0 || r.Offset+r.Length > p.Identify.In {
				return nil, fmt.Errorf("unlock profiles: %s: record field %s outside identify's %d bytes", p.Name, r.Field, p.Identify.In)
			}
		}
	}
	return f.Profiles, nil
}

// ParseVIDPID reads "vvvv:pppp" (hex).
func ParseVIDPID(s string) (vid, pid uint16, err error) {
	var v, p uint16
	if n, err := fmt.Sscanf(s, "%04x:%04x", &v, &p); err != nil || n != 2 || len(s) != 9 {
		return 0, 0, fmt.Errorf("USB id %q: want vvvv:pppp in hex", s)
	}
	return v, p, nil
}

// MatchInquiry is the profile whose INQUIRY strings these are.
func MatchInquiry(profiles []Profile, vendor, product string) (Profile, bool) {
	for _, p := range profiles {
		if vendor == p.Match.Vendor && (p.Match.Product == "" || product == p.Match.Product) {
			return p, true
		}
	}
	return Profile{}, false
}

// Errors of a locked recorder.
var (
	ErrUnknownDevice = errors.New("not a known locked recorder")
	ErrWrongPassword = errors.New("wrong admin password")
)

// Recorder is a locked recorder, matched to its profile.
type Recorder struct {
	b       *bot
	Profile Profile
	Inquiry Inquiry
}

// Detect asks the device who it is and picks the profile that matches.
func Detect(ctx context.Context, t Transport, profiles []Profile) (*Recorder, error) {
	b := &bot{t: t}
	inq, err := b.inquiry(ctx)
	if err != nil {
		return nil, err
	}
	if p, ok := MatchInquiry(profiles, inq.Vendor, inq.Product); ok {
		return &Recorder{b: b, Profile: p, Inquiry: inq}, nil
	}
	return nil, fmt.Errorf("%w: INQUIRY %q %q", ErrUnknownDevice, inq.Vendor, inq.Product)
}

func (r *Recorder) run(ctx context.Context, c Command, out []byte) ([]byte, error) {
	cdb, err := c.bytes()
	if err != nil {
		return nil, err
	}
	return r.b.command(ctx, cdb, out, c.In)
}

// Identify reads the device record: serial, officer, unit.
func (r *Recorder) Identify(ctx context.Context) (device.Info, error) {
	d, err := r.run(ctx, r.Profile.Identify, nil)
	if err != nil {
		return device.Info{}, fmt.Errorf("identify: %w", err)
	}
	info := device.Info{Vendor: r.Inquiry.Vendor, Model: r.Inquiry.Product}
	for _, f := range r.Profile.Record {
		if f.Offset+f.Length > len(d) {
			return info, fmt.Errorf("%w: device record of %d bytes", ErrProtocol, len(d))
		}
		v := trim(d[f.Offset : f.Offset+f.Length])
		if f.Encoding == "gbk" {
			if u, err := simplifiedchinese.GBK.NewDecoder().String(v); err == nil {
				v = u
			}
		}
		switch f.Field {
		case "serial":
			info.Serial = v
		case "officer":
			info.OfficerID = v
		case "unit_code":
			info.UnitCode = v
		case "unit_name":
			info.UnitName = v
		case "model":
			if v != "" {
				info.Model = v
			}
		}
	}
	return info, nil
}

// Clock reads the recorder's clock (7 bytes: year BE, month, day, hour,
// minute, second; recorder local time, Asia/Shanghai).
func (r *Recorder) Clock(ctx context.Context) (time.Time, error) {
	d, err := r.run(ctx, r.Profile.GetTime, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("read clock: %w", err)
	}
	if len(d) < 7 {
		return time.Time{}, fmt.Errorf("%w: clock of %d bytes", ErrProtocol, len(d))
	}
	return time.Date(int(binary.BigEndian.Uint16(d)), time.Month(d[2]), int(d[3]), int(d[4]), int(d[5]), int(d[6]), 0, time.FixedZone("CST", 8*3600)), nil
}

// SyncTime records the recorder's clock offset, then sets the clock to
// now. The offset (recorder minus terminal) corrects the times of the
// footage already on the device.
func (r *Recorder) SyncTime(ctx context.Context, now time.Time) (time.Duration, error) {
	before, err := r.Clock(ctx)
	if err != nil {
		return 0, err
	}
	offset := before.Sub(now)
	t := now.In(time.FixedZone("CST", 8*3600))
	out := make([]byte, 7)
	binary.BigEndian.PutUint16(out, uint16(t.Year()))
	out[2], out[3], out[4], out[5], out[6] = byte(t.Month()), byte(t.Day()), byte(t.Hour()), byte(t.Minute()), byte(t.Second())
	if _, err := r.run(ctx, r.Profile.SetTime, out); err != nil {
		return offset, fmt.Errorf("set clock: %w", err)
	}
	return offset.Truncate(time.Second), nil
}

// Battery reads the charge in percent.
func (r *Recorder) Battery(ctx context.Context) (int, error) {
	d, err := r.run(ctx, r.Profile.Battery, nil)
	if err != nil || len(d) < 1 {
		return 0, fmt.Errorf("battery: %w", errors.Join(err, ErrProtocol))
	}
	return int(d[0]), nil
}

// Unlock sends the admin password; the device then re-enumerates as
// ordinary mass storage. A wrong password is ErrWrongPassword. The
// password is copied into the command buffer only and wiped after.
func (r *Recorder) Unlock(ctx context.Context, password []byte) error {
	if len(password) == 0 || len(password) > r.Profile.Unlock.Out {
		return fmt.Errorf("unlock: password of 1 to %d bytes", r.Profile.Unlock.Out)
	}
	out := make([]byte, r.Profile.Unlock.Out)
	copy(out, password)
	defer clear(out)
	_, err := r.run(ctx, r.Profile.Unlock, out)
	var ce *CommandError
	if errors.As(err, &ce) && ce.Sense.ASC == r.Profile.WrongPasswordASC {
		return ErrWrongPassword
	}
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}
