// Package peerapi is what Burrow's Go test peers share: their calls to the control plane (JSON
// over HTTP with the reference CLI's User-Agent, a machine identity's bearer token), their
// one-line event log on stderr, "peer: <event> key=value ...", which the tests wait on, and the
// parsing of the credentials the control plane gives them (credentials.go).
// Imported by relative path ("../peerapi"): the peers build in GOPATH mode, outside GOPATH.
package peerapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Logf writes one event line on stderr.
func Logf(event string, kv ...interface{}) {
	var b strings.Builder
	b.WriteString("peer: " + event)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%q", kv[i], fmt.Sprint(kv[i+1]))
	}
	fmt.Fprintln(os.Stderr, b.String())
}

// Client calls the control plane at APIURL (ending in /api) as the holder of Token.
type Client struct {
	APIURL string
	Token  string
	http   *http.Client
}

// NewClient returns a client with a 30 s deadline per call.
func NewClient(apiURL string) *Client {
	return &Client{APIURL: strings.TrimRight(apiURL, "/"), http: &http.Client{Timeout: 30 * time.Second}}
}

// Post sends body as JSON to path and decodes a 200 answer into out (nil: ignored).
func (c *Client) Post(path string, body interface{}, out interface{}) error {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", c.APIURL+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cli")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != 200 {
		return fmt.Errorf("%s: HTTP %d %s", path, res.StatusCode, strings.TrimSpace(string(text)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(text, out)
}

// LoginUniversalAuth logs in (POST /v1/auth/universal-auth/login) and keeps the access token.
func (c *Client) LoginUniversalAuth(clientID, clientSecret string) error {
	var grant struct {
		AccessToken string `json:"accessToken"`
	}
	c.Token = ""
	err := c.Post("/v1/auth/universal-auth/login",
		map[string]string{"clientId": clientID, "clientSecret": clientSecret}, &grant)
	c.Token = grant.AccessToken
	return err
}
