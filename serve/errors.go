package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// APIError is an error in OpenAI's shape: it is written as
//
//	{"error":{"message":..,"type":..,"param":..,"code":..}}
//
// with HTTP status Status. Param and Code are null when empty.
type APIError struct {
	Status  int
	Message string
	Type    string // invalid_request_error, authentication_error, server_error, ...
	Param   string // the request field at fault, if any
	Code    string // machine-readable reason: invalid_type, model_not_found, context_length_exceeded, ...
	// RetryAfter, when > 0, is sent as a Retry-After header (seconds).
	RetryAfter int
}

func (e *APIError) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s (param %s)", e.Message, e.Param)
	}
	return e.Message
}

// MarshalJSON writes the {"error":{...}} envelope.
func (e *APIError) MarshalJSON() ([]byte, error) {
	type body struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	}
	b := body{Message: e.Message, Type: e.Type}
	if e.Param != "" {
		b.Param = &e.Param
	}
	if e.Code != "" {
		b.Code = &e.Code
	}
	return json.Marshal(struct {
		Error body `json:"error"`
	}{b})
}

// writeError sends e as a JSON response.
func writeError(w http.ResponseWriter, e *APIError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	b, _ := e.MarshalJSON()
	w.WriteHeader(e.Status)
	w.Write(append(b, '\n'))
}

// invalid returns a 400 invalid_request_error about param.
func invalid(param, code, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Type: "invalid_request_error",
		Param: param, Code: code, Message: fmt.Sprintf(format, args...)}
}
