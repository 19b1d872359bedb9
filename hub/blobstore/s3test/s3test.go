// Package s3test runs a real S3 server for tests, as httptest runs an HTTP
// one: versitygw v1.8.0 with its posix backend in a temporary folder, on a
// free loopback port, with root credentials made for the test and one
// bucket. The binary is found on PATH or in the user cache folder
// (os.UserCacheDir()/lawtrail/tools/versitygw-v1.8.0), and installed there
// with `go install` through the Go module proxy when missing, so a fresh
// machine (CI included) builds it once. versitygw is not a dependency of
// the lawtrail module.
package s3test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests run.
const Version = "v1.8.0"

const module = "github.com/versity/versitygw/cmd/versitygw"

// Server is one running versitygw.
type Server struct {
	Endpoint  string // 127.0.0.1:PORT, plain http
	Region    string
	Bucket    string
	AccessKey string
	SecretKey string
	// Client is a raw client with root credentials, for tests that look
	// behind the store or tamper with what it holds.
	Client *s3.Client
}

// Spec returns the s3:// spec for blobstore.Open with the given key
// prefix ("" for none).
func (s Server) Spec(prefix string) string {
	spec := fmt.Sprintf("s3://%s?endpoint=%s&region=%s&secure=false&path-style=true", s.Bucket, s.Endpoint, s.Region)
	if prefix != "" {
		spec += "&prefix=" + prefix
	}
	return spec
}

// Env returns the server's credentials as environment assignments.
func (s Server) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey}
}

// SetEnv sets the credentials in the test's environment (t.Setenv: not
// for parallel tests).
func (s Server) SetEnv(t testing.TB) {
	t.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.SecretKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
}

// Credentials is a provider of the server's root credentials.
func (s Server) Credentials() aws.CredentialsProvider {
	creds := aws.Credentials{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey, Source: "s3test"}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })
}

// Start runs a versitygw for the test (installing it first if needed),
// creates the bucket and stops the server at the test's cleanup.
func Start(t testing.TB) Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	var lastErr error
	for range 3 { // the free port can be taken between asking and binding
		srv, err := start(t, bin)
		if err == nil {
			return srv
		}
		lastErr = err
	}
	t.Fatalf("s3test: %v", lastErr)
	return Server{}
}

func start(t testing.TB, bin string) (Server, error) {
	srv, stop, err := launch(bin, t.TempDir())
	if err != nil {
		return Server{}, err
	}
	t.Cleanup(stop)
	return srv, nil
}

// launch runs versitygw with its data in root and creates the bucket;
// stop kills it.
func launch(bin, root string) (srv Server, stop func(), err error) {
	port, err := freePort()
	if err != nil {
		return Server{}, nil, err
	}
	srv = Server{
		Endpoint:  "127.0.0.1:" + port,
		Region:    "us-east-1",
		Bucket:    "lawtrail-test",
		AccessKey: "root" + randomHex(8),
		SecretKey: randomHex(20),
	}
	logf, err := os.Create(filepath.Join(root, "versitygw.log"))
	if err != nil {
		return Server{}, nil, err
	}
	data := filepath.Join(root, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return Server{}, nil, err
	}
	cmd := exec.Command(bin, "--port", srv.Endpoint, "--region", srv.Region, "--quiet", "posix", data)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+srv.AccessKey, "ROOT_SECRET_ACCESS_KEY="+srv.SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // a test binary that dies takes it along
	if err := cmd.Start(); err != nil {
		logf.Close()
		return Server{}, nil, fmt.Errorf("start versitygw: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logf.Close() }()
	stop = func() {
		cmd.Process.Kill()
		<-exited
	}
	srv.Client = s3.New(s3.Options{
		Region: srv.Region, Credentials: srv.Credentials(), UsePathStyle: true,
		BaseEndpoint:               aws.String("http://" + srv.Endpoint),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		_, err := srv.Client.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			exited <- werr
			stop()
			log, _ := os.ReadFile(logf.Name())
			return Server{}, nil, fmt.Errorf("versitygw exited (%v): %s", werr, tail(log))
		case <-ctx.Done():
			stop()
			return Server{}, nil, fmt.Errorf("versitygw did not answer at %s: %v", srv.Endpoint, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := srv.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &srv.Bucket}); err != nil {
		stop()
		return Server{}, nil, fmt.Errorf("create bucket: %w", err)
	}
	return srv, stop, nil
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var binary struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the path of versitygw: on PATH, else in the cache
// folder, else installed there now (go install, a few minutes on a cold
// module cache). Test processes of several packages starting at once take
// a lock file beside the folder: one builds, the others wait and use its
// binary. The build goes to a temporary folder renamed into place.
func Binary() (string, error) {
	binary.once.Do(func() { binary.path, binary.err = findOrInstall() })
	return binary.path, binary.err
}

// CacheDir is where the installed versitygw is kept.
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("user cache folder: %w", err)
	}
	return filepath.Join(base, "lawtrail", "tools", "versitygw-"+Version), nil
}

func findOrInstall() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	// One build at a time on the machine: the test binaries of other
	// packages wait here, then find the binary.
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("install versitygw: lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := install(dir); err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	return bin, nil
}

// install builds versitygw into a temporary folder beside dir and renames
// it into place, so dir never holds a half-written binary.
func install(dir string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".versitygw-install-*")
	if err != nil {
		return fmt.Errorf("install versitygw: %w", err)
	}
	defer os.RemoveAll(tmp)
	gobin, err := goTool()
	if err != nil {
		return err
	}
	start := time.Now()
	cmd := exec.Command(gobin, "install", module+"@"+Version)
	cmd.Dir = tmp // outside any module: go.mod is not touched
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=-buildvcs=false", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install %s@%s: %v: %s", module, Version, err, tail(out))
	}
	fmt.Fprintf(os.Stderr, "s3test: installed versitygw %s into %s in %s\n", Version, dir, time.Since(start).Round(time.Second))
	// Another process without the lock (an older s3test) may have won.
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) && !isNotEmpty(err) {
		return fmt.Errorf("install versitygw: %w", err)
	}
	return nil
}

// isNotEmpty: another process renamed its installation into place first.
func isNotEmpty(err error) bool { return errors.Is(err, syscall.ENOTEMPTY) }

func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	return "", errors.New("install versitygw: no go command on PATH")
}

// BlobsEnv is the environment variable that chooses where the footage of
// hubs under test is kept: "s3" for a bucket on the shared server, anything
// else for the hub's folder.
const BlobsEnv = "LAWTRAIL_TEST_HUB_BLOBS"

var shared struct {
	once sync.Once
	srv  Server
	err  error
}

// Shared returns the test binary's server, started on first use and killed
// when the binary exits (a parent-death signal; its folder stays in the
// temporary folder), with its credentials set in the process's
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) for every store
// the binary opens.
func Shared() (Server, error) {
	shared.once.Do(func() {
		bin, err := Binary()
		if err != nil {
			shared.err = err
			return
		}
		root, err := os.MkdirTemp("", "lawtrail-s3test-")
		if err != nil {
			shared.err = err
			return
		}
		for range 3 {
			if shared.srv, _, err = launch(bin, root); err == nil {
				break
			}
		}
		if err != nil {
			shared.err = err
			return
		}
		os.Setenv("AWS_ACCESS_KEY_ID", shared.srv.AccessKey)
		os.Setenv("AWS_SECRET_ACCESS_KEY", shared.srv.SecretKey)
		os.Unsetenv("AWS_SESSION_TOKEN")
	})
	return shared.srv, shared.err
}

// HubBlobs is the footage store of a hub under test whose data folder is
// dir (hub.Options.Blobs): "", the folder in dir, unless
// LAWTRAIL_TEST_HUB_BLOBS is s3, then the shared server's bucket under a
// prefix of dir's own (a hub reopened on dir finds its footage again).
func HubBlobs(t testing.TB, dir string) string {
	t.Helper()
	if os.Getenv(BlobsEnv) != "s3" {
		return ""
	}
	srv, err := Shared()
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	return srv.Spec(PrefixFor(dir))
}

// PrefixFor is a key prefix of folder dir's own.
func PrefixFor(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return "t" + hex.EncodeToString(sum[:8])
}
