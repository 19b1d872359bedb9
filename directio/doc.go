// Package directio writes and reads a file sequentially in large aligned
// blocks that bypass the page cache (O_DIRECT) where the file system
// allows it, and through the cache, block by block all the same, where it
// does not.
//
// Why: docking writes each copy once and reads it back once to verify it;
// the cache buys nothing there. On the VMs docking was measured on, bytes
// written through the cache and then fsynced reached the disk at anything
// from 85 to 1,200 MiB/s, while the same bytes written with O_DIRECT went
// at 1,000–1,600 every time; and reading a copy back through the cache
// cost a core more time copying pages than decrypting them
// (docs/OPERATIONS.md, "Where docking's time goes").
//
// A Writer gathers bytes into blocks and writes each full block while the
// next fills; a Reader reads the block after the one being read while it is
// read. Each holds two blocks, all the memory it uses. Neither fsyncs: the
// caller decides when bytes must be durable, and Writer.Written says which
// bytes it may count on.
package directio
