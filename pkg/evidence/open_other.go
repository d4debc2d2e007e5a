//go:build !unix

package evidence

import "os"

// openNoBlock opens a file for reading; ReadFileBounded checks the type
// before and after.
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }
