// Command lawtrail-hub runs the central server. The server itself arrives
// with the sync issue; until then this command says so and exits.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "lawtrail-hub: the hub server is not built yet (see the \"Sync and the hub\" issue)")
	os.Exit(2)
}
