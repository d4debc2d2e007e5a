//go:build unix

package evidence

import (
	"os"
	"syscall"
)

// openNoBlock opens a file for reading without waiting for a writer: a
// FIFO that replaced a regular file between Stat and Open would otherwise
// block the open until someone writes to it.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
