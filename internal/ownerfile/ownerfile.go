// Package ownerfile writes the files that only their owner may read: saved
// evidence, snapshots and ASFF batches name every node file, subject,
// workload or failing control of a cluster. os.WriteFile's mode applies
// only when it creates the file; one saved over an earlier, world-readable
// file would keep that file's mode.
package ownerfile

import (
	"errors"
	"os"
)

// Write writes b to path, creating it or truncating it, and leaves a
// regular file readable and writable by its owner only, whatever its mode
// was. Something other than a regular file at path (a device, a pipe) is
// written to as it is.
func Write(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err == nil && st.Mode().IsRegular() && st.Mode().Perm() != 0o600 {
		err = f.Chmod(0o600)
	}
	if err == nil {
		_, err = f.Write(b)
	}
	return errors.Join(err, f.Close())
}
