//go:build linux

package ingest

import (
	"context"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// diskFolder is a temporary folder whose files live on a disk, not in the
// page cache: the test's temporary folder, or where that is tmpfs (whose
// files are page-cache pages) one beside the package's sources.
func diskFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if onTmpfs(t, dir) {
		var err error
		if dir, err = os.MkdirTemp(".", "disk-test-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	if onTmpfs(t, dir) {
		t.Fatalf("%s is on tmpfs too: no folder on a disk to test the page cache with", dir)
	}
	return dir
}

func onTmpfs(t *testing.T, dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return st.Type == unix.TMPFS_MAGIC
}

// residentPages counts the pages of the file at path in the page cache.
func residentPages(t *testing.T, path string) (resident, total int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (len(m)+os.Getpagesize()-1)/os.Getpagesize())
	// x/sys has no wrapper for mincore(2); it is called by its number.
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	for _, v := range vec {
		resident += int(v & 1)
	}
	return resident, len(vec)
}

// Docking writes the copy past the page cache and verifies it by reading
// the disk, not the memory it just wrote (docs/OPERATIONS.md, "Where
// docking's time goes"): after a docking, none of the stored blob's pages
// are in the cache. Reading the blob the ordinary way then puts them there
// (the test can see them). With copies written through the cache, as where
// the file system refuses O_DIRECT, docking still stores and checks.
func TestDockingLeavesNothingInThePageCache(t *testing.T) {
	for _, cached := range []bool{false, true} {
		e := newEnvIn(t, diskFolder(t))
		root := t.TempDir()
		content := bigContent(9<<20 + 12345)
		writeTree(t, root, map[string]string{"DCIM/20261120_101530_0001.MP4": content})
		d, _ := e.dock(t, Options{})
		d.cachedWrites = cached
		sum, err := d.Ingest(context.Background(), Recorder{Source: folder(t, root), Label: "card"})
		if err != nil || !sum.OK() || sum.Copied != 1 {
			t.Fatalf("cached=%v: summary %+v %v", cached, sum, err)
		}
		e.check(t)
		if cached {
			continue
		}
		path := e.store.Blobs().Path(digestOf(content))
		if resident, total := residentPages(t, path); resident != 0 {
			t.Fatalf("%d of the blob's %d pages are in the page cache after docking: the copy or its verification went through it", resident, total)
		}
		if _, err := os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
		if resident, total := residentPages(t, path); resident < total/2 {
			t.Fatalf("after an ordinary read %d of %d pages are in the cache: this test cannot see the cache", resident, total)
		}
	}
}
