package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// EndOfJSON reports an error unless dec, having decoded one value, has
// nothing left but white space: a request or answer is exactly one JSON
// value, and a second value or other trailing data is refused, never
// ignored (both the hub and the terminal read their peer's JSON so).
func EndOfJSON(dec *json.Decoder) error {
	_, err := dec.Token()
	switch {
	case err == io.EOF:
		return nil
	case err == nil:
		return errors.New("trailing data after the JSON value")
	}
	return fmt.Errorf("trailing data after the JSON value: %w", err)
}
