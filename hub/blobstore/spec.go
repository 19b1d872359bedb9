package blobstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Open opens the footage store that spec names, as the operator gives it
// (lawtrail-hub --blobs):
//
//	""                   the folder dir (the hub's own blobs folder)
//	/a/path, rel/path    the folder at that path
//	s3://BUCKET?endpoint=HOST:PORT&region=R&secure=false&prefix=P&path-style=true
//	                     the S3 bucket (ParseS3Spec), credentials from
//	                     AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//	                     AWS_SESSION_TOKEN (optional)
//
// Any other scheme is refused. For S3, Open checks that the bucket answers
// (HEAD bucket) so a wrong name or key fails here, not at the first blob.
// No error repeats the spec, so none can carry a secret pasted into it.
func Open(ctx context.Context, spec, dir string) (Store, error) {
	switch {
	case spec == "":
		if dir == "" {
			return nil, errors.New("footage store: no folder and no spec")
		}
		return OpenFolder(dir)
	case strings.HasPrefix(spec, "s3://"):
		cfg, err := ParseS3Spec(spec)
		if err != nil {
			return nil, err
		}
		s, err := NewS3(cfg)
		if err != nil {
			return nil, err
		}
		if err := s.Ping(ctx); err != nil {
			return nil, fmt.Errorf("footage store: %w", err)
		}
		return s, nil
	case strings.Contains(spec, "://"):
		scheme, _, _ := strings.Cut(spec, "://")
		if !schemeRE.MatchString(scheme) {
			scheme = "?"
		}
		return nil, fmt.Errorf("footage store: scheme %q is not known (a folder path, or s3://BUCKET?…)", scheme)
	}
	return OpenFolder(spec)
}

var schemeRE = regexp.MustCompile(`^[a-z][a-z0-9+.-]{0,15}$`)

// ParseS3Spec reads s3://BUCKET?PARAMS. Parameters, each at most once:
//
//	endpoint    host[:port] of an S3-compatible server (default: AWS)
//	region      signing region (default us-east-1)
//	secure      true (https, the default) or false (http)
//	prefix      key prefix: segments of letters, digits, '.', '_', '-'
//	            joined by '/'; no "." or ".." segment, no leading or
//	            doubled '/'
//	path-style  true or false (default): bucket in the path, not the host
//
// The URL has no user info (credentials come from the environment), no
// path and no fragment. Credentials are not read here (NewS3 reads them).
func ParseS3Spec(spec string) (S3Config, error) {
	var cfg S3Config
	fail := func(format string, a ...any) (S3Config, error) {
		return S3Config{}, fmt.Errorf("footage store s3 spec: "+format, a...)
	}
	u, err := url.Parse(spec)
	if err != nil { // url's error quotes the whole spec: not repeated
		return fail("not a URL (want s3://BUCKET?endpoint=…)")
	}
	if u.Scheme != "s3" {
		return fail("want the s3:// scheme")
	}
	if u.User != nil {
		return fail("credentials in the URL are refused; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if u.Path != "" || u.RawPath != "" || u.Fragment != "" || u.Opaque != "" {
		return fail("no path or fragment after the bucket (give a key prefix as prefix=…)")
	}
	cfg.Bucket = u.Host
	if err := checkBucket(cfg.Bucket); err != nil {
		return S3Config{}, err
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fail("malformed parameters")
	}
	for name, vals := range q {
		if len(vals) != 1 {
			return fail("parameter %s given %d times", safeName(name), len(vals))
		}
		v := vals[0]
		switch name {
		case "endpoint":
			if err := checkEndpoint(v); err != nil {
				return S3Config{}, err
			}
			cfg.Endpoint = v
		case "region":
			if !regionRE.MatchString(v) {
				return fail("region: want letters, digits and '-'")
			}
			cfg.Region = v
		case "secure":
			b, ok := parseBool(v)
			if !ok {
				return fail("secure: want true or false")
			}
			cfg.Insecure = !b
		case "path-style":
			b, ok := parseBool(v)
			if !ok {
				return fail("path-style: want true or false")
			}
			cfg.PathStyle = b
		case "prefix":
			if err := checkPrefix(v); err != nil {
				return S3Config{}, err
			}
			cfg.Prefix = v
		default:
			return fail("unknown parameter %s (known: endpoint, region, secure, prefix, path-style)", safeName(name))
		}
	}
	return cfg, nil
}

var (
	regionRE  = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)
	bucketRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	segmentRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	nameRE    = regexp.MustCompile(`^[a-z-]{1,20}$`)
)

// safeName quotes a parameter name when it looks like one, and hides it
// otherwise (a secret pasted where a name goes).
func safeName(name string) string {
	if nameRE.MatchString(name) {
		return fmt.Sprintf("%q", name)
	}
	return "(name hidden)"
}

func parseBool(v string) (bool, bool) {
	switch v {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func checkBucket(b string) error {
	if !bucketRE.MatchString(b) || strings.Contains(b, "..") {
		return errors.New("footage store s3 spec: bucket name: want 3–63 lowercase letters, digits, '.' and '-'")
	}
	return nil
}

// checkPrefix refuses a key prefix that could climb out of its place in
// the bucket or alias another: "..", ".", empty segments, a leading '/'.
func checkPrefix(p string) error {
	if p == "" {
		return nil
	}
	if len(p) > 512 {
		return errors.New("footage store s3 spec: prefix longer than 512 bytes")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." || !segmentRE.MatchString(seg) {
			return errors.New(`footage store s3 spec: prefix: want segments of letters, digits, '.', '_', '-' joined by '/', none "." or ".."`)
		}
	}
	return nil
}

func checkEndpoint(e string) error {
	bad := errors.New("footage store s3 spec: endpoint: want host or host:port")
	if e == "" || strings.ContainsAny(e, "/@?#\\ ") {
		return bad
	}
	host, port := e, ""
	if h, p, err := net.SplitHostPort(e); err == nil {
		host, port = h, p
	} else if strings.Contains(e, ":") && !strings.HasPrefix(e, "[") {
		return bad
	}
	if host == "" {
		return bad
	}
	if port != "" {
		for _, c := range port {
			if c < '0' || c > '9' {
				return bad
			}
		}
	}
	return nil
}
