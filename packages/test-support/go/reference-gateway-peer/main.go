// Command reference-gateway-peer is Burrow's own Go test peer: it behaves on the wire as the
// reference gateway does (../shared/reference/infisical-gateway-protocol.md §5), on Go's
// x/crypto/ssh and crypto/tls, so Burrow's relay and control plane are tested against the SSH and
// TLS stacks the reference is built on. Written for Burrow's tests; not a gateway to deploy.
//
// Contract (what it does, in order):
//
//	login      POST <api>/v1/auth/universal-auth/login {clientId, clientSecret} -> accessToken
//	register   POST <api>/v2/gateways {relayName, name} -> {gatewayId, relayHost, pki, ssh}
//	           (relaySshPort, Burrow's extension, is ignored, as the reference ignores it)
//	ssh        dial relayHost:<-relay-ssh-port> (the reference hard-codes 2222; tests use free
//	           ports), user gatewayId, the user certificate as the only auth; KEX, ciphers and
//	           MACs pinned to the reference's lists; the host key must be a host certificate signed
//	           by exactly ssh.serverCAPublicKey with the principal "<relayHost>:<port>" (the dial
//	           address, checked with CertChecker.CheckCert as the reference does)
//	channels   only "direct-tcpip" opened by the relay is accepted (x/crypto rejects every other
//	           type without telling us); each becomes an inner TLS server: pki.serverCertificate,
//	           client certificates required and verified against pki.clientCertificateChain,
//	           TLS >= 1.2, the reference's ALPN list in the reference gateway's order (health
//	           before ping; -without-health plays an older gateway that lists no health)
//	actions    infisical-ping -> "PONG\n"; infisical-health -> {"status":"ok","heartbeatTTL":180}\n;
//	           infisical-tcp-proxy -> dial targetHost:targetPort of the caller certificate's
//	           extension 1.3.6.1.4.1.12345.100.1 (raw JSON) and copy both ways until either ends;
//	           every other ALPN: handshake, then close
//	closing    after the reply the SSH channel is closed at once: no CHANNEL_EOF and no TLS
//	           close_notify first (the reference's habit a relay must survive)
//	heartbeat  POST <api>/v2/gateways/heartbeat {} every 10 s until the first success, then every
//	           3 min; keepalive@openssh.com every 30 s, 15 s to answer
//	reconnect  on a lost connection: register again and dial up to 6 times, attempt*2 s apart,
//	           then -reconnect-delay between rounds
//
// Every event is one line on stderr, "peer: <event> key=value ..." (../peerapi), for the tests.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"../peerapi"
)

// The order matters: crypto/tls picks the first of the SERVER's protocols the client offers, and
// the reference gateway lists infisical-health before infisical-ping, so the platform's probe
// (offering both) reads the health JSON. The reference doc's ALPN table is in another order.
var referenceALPNs = []string{
	"infisical-http-proxy", "infisical-tcp-proxy", "infisical-health", "infisical-ping",
	"infisical-pam-proxy", "infisical-pam-rdp-browser", "infisical-pam-session-cancellation",
	"infisical-pam-capabilities", "infisical-adcs", "infisical-discovery",
	"infisical-connection-test", "infisical-winrm",
}

var routingInfoOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 12345, 100, 1}

type registration struct {
	GatewayID string `json:"gatewayId"`
	RelayHost string `json:"relayHost"`
	PKI       struct {
		ServerCertificate      string `json:"serverCertificate"`
		ServerPrivateKey       string `json:"serverPrivateKey"`
		ClientCertificateChain string `json:"clientCertificateChain"`
	} `json:"pki"`
	SSH struct {
		ClientCertificate string `json:"clientCertificate"`
		ClientPrivateKey  string `json:"clientPrivateKey"`
		ServerCAPublicKey string `json:"serverCAPublicKey"`
	} `json:"ssh"`
}

type peer struct {
	api                                     *peerapi.Client
	name, relayName, clientID, clientSecret string
	sshPort                                 int
	reconnectDelay                          time.Duration
	heartbeatOnce                           sync.Once
}

func main() {
	sshPort := flag.Int("relay-ssh-port", 2222, "the relay's SSH port (the reference always dials 2222)")
	delay := flag.Duration("reconnect-delay", 10*time.Second, "pause between reconnect rounds")
	withoutHealth := flag.Bool("without-health", false, "play an older gateway: no infisical-health")
	flag.Parse()
	if *withoutHealth {
		served := referenceALPNs[:0:0]
		for _, alpn := range referenceALPNs {
			if alpn != "infisical-health" {
				served = append(served, alpn)
			}
		}
		referenceALPNs = served
	}
	p := &peer{
		api:            peerapi.NewClient(os.Getenv("INFISICAL_API_URL")),
		name:           flag.Arg(0),
		relayName:      os.Getenv("INFISICAL_RELAY_NAME"),
		clientID:       os.Getenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"),
		clientSecret:   os.Getenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"),
		sshPort:        *sshPort,
		reconnectDelay: *delay,
	}
	if p.api.APIURL == "" || p.name == "" || p.relayName == "" || p.clientID == "" || p.clientSecret == "" {
		fmt.Fprintln(os.Stderr, "usage: INFISICAL_API_URL INFISICAL_RELAY_NAME INFISICAL_UNIVERSAL_AUTH_CLIENT_ID/_SECRET reference-gateway-peer [-relay-ssh-port N] <name>")
		os.Exit(2)
	}
	if err := p.api.LoginUniversalAuth(p.clientID, p.clientSecret); err != nil {
		peerapi.Logf("login failed", "err", err)
		os.Exit(1)
	}
	for {
		err := p.connectAndServe()
		peerapi.Logf("relay connection ended", "err", err)
		time.Sleep(p.reconnectDelay)
	}
}

func (p *peer) register() (*registration, error) {
	var r registration
	err := p.api.Post("/v2/gateways", map[string]string{"relayName": p.relayName, "name": p.name}, &r)
	if err == nil {
		peerapi.Logf("registered", "gatewayId", r.GatewayID, "relayHost", r.RelayHost)
	}
	return &r, err
}

func (p *peer) connectAndServe() error {
	reg, err := p.register()
	if err != nil {
		return err
	}
	var client *ssh.Client
	for attempt := 1; attempt <= 6; attempt++ {
		if attempt == 6 {
			if reg, err = p.register(); err != nil {
				return err
			}
		}
		if client, err = dialRelay(reg, p.sshPort); err == nil {
			break
		}
		peerapi.Logf("ssh dial failed", "attempt", attempt, "err", err)
		time.Sleep(time.Duration(attempt) * 2 * time.Second)
	}
	if client == nil {
		return err
	}
	tlsConfig, err := innerTLSConfig(reg)
	if err != nil {
		client.Close()
		return err
	}
	peerapi.Logf("ssh connected", "relay", client.RemoteAddr(), "serverVersion", string(client.ServerVersion()))
	p.heartbeatOnce.Do(func() { go p.heartbeat() })
	go keepalive(client)
	for newChannel := range client.HandleChannelOpen("direct-tcpip") {
		go serveChannel(newChannel, tlsConfig)
	}
	return client.Wait()
}

func dialRelay(reg *registration, port int) (*ssh.Client, error) {
	_, signer, err := peerapi.CertSigner(reg.SSH.ClientCertificate, reg.SSH.ClientPrivateKey, "ssh.clientCertificate")
	if err != nil {
		return nil, err
	}
	ca, err := peerapi.ParsePublicKey(reg.SSH.ServerCAPublicKey, "ssh.serverCAPublicKey")
	if err != nil {
		return nil, err
	}
	checker := &ssh.CertChecker{}
	config := &ssh.ClientConfig{
		User: reg.GatewayID,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: func(hostname string, _ net.Addr, hostKey ssh.PublicKey) error {
			hostCert, ok := hostKey.(*ssh.Certificate)
			if !ok {
				return errors.New("the relay's host key is not a certificate")
			}
			if hostCert.CertType != ssh.HostCert {
				return errors.New("the relay's certificate is not a host certificate")
			}
			if !bytes.Equal(hostCert.SignatureKey.Marshal(), ca.Marshal()) {
				return errors.New("the relay's host certificate is not signed by serverCAPublicKey")
			}
			// The whole dial address is the principal, as the reference checks it.
			return checker.CheckCert(hostname, hostCert)
		},
		Timeout: 30 * time.Second,
		Config: ssh.Config{
			KeyExchanges: []string{"diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512"},
			Ciphers:      []string{"aes128-ctr", "aes192-ctr", "aes256-ctr"},
			MACs:         []string{"hmac-sha2-256", "hmac-sha2-512"},
		},
	}
	return ssh.Dial("tcp", net.JoinHostPort(reg.RelayHost, strconv.Itoa(port)), config)
}

func innerTLSConfig(reg *registration) (*tls.Config, error) {
	config, _, err := peerapi.MutualTLSServer(reg.PKI.ServerCertificate, reg.PKI.ServerPrivateKey, reg.PKI.ClientCertificateChain)
	if err != nil {
		return nil, err
	}
	config.NextProtos = referenceALPNs
	return config, nil
}

func (p *peer) heartbeat() {
	interval := 10 * time.Second
	for {
		if err := p.api.Post("/v2/gateways/heartbeat", map[string]string{}, nil); err != nil {
			peerapi.Logf("heartbeat failed", "err", err)
		} else {
			peerapi.Logf("heartbeat ok")
			interval = 3 * time.Minute
		}
		time.Sleep(interval)
	}
}

func keepalive(client *ssh.Client) {
	for {
		time.Sleep(30 * time.Second)
		answered := make(chan error, 1)
		go func() {
			_, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case err := <-answered:
			if err != nil {
				return // the connection is gone; Wait() returns
			}
		case <-time.After(15 * time.Second):
			peerapi.Logf("keepalive unanswered")
			client.Close()
			return
		}
	}
}

// channelConn makes an SSH channel a net.Conn for crypto/tls; deadlines do nothing.
type channelConn struct{ ssh.Channel }

type peerAddr struct{}

func (peerAddr) Network() string                     { return "ssh-channel" }
func (peerAddr) String() string                      { return "127.0.0.1:0" }
func (channelConn) LocalAddr() net.Addr              { return peerAddr{} }
func (channelConn) RemoteAddr() net.Addr             { return peerAddr{} }
func (channelConn) SetDeadline(time.Time) error      { return nil }
func (channelConn) SetReadDeadline(time.Time) error  { return nil }
func (channelConn) SetWriteDeadline(time.Time) error { return nil }

func serveChannel(newChannel ssh.NewChannel, config *tls.Config) {
	channel, requests, err := newChannel.Accept()
	if err != nil {
		peerapi.Logf("channel accept failed", "err", err)
		return
	}
	go ssh.DiscardRequests(requests)
	// The reference's way out: the channel closes right after the reply, no EOF first.
	defer channel.Close()
	conn := tls.Server(channelConn{channel}, config)
	if err := conn.Handshake(); err != nil {
		peerapi.Logf("tls handshake failed", "err", err)
		return
	}
	state := conn.ConnectionState()
	alpn := state.NegotiatedProtocol
	peerapi.Logf("stream", "alpn", alpn, "client", state.PeerCertificates[0].Subject.CommonName)
	switch alpn {
	case "infisical-ping":
		conn.Write([]byte("PONG\n"))
	case "infisical-health":
		conn.Write([]byte("{\"status\":\"ok\",\"heartbeatTTL\":180}\n"))
	case "infisical-tcp-proxy":
		proxy(conn, state.PeerCertificates[0])
	default:
		peerapi.Logf("alpn not served by the peer", "alpn", alpn)
	}
}

func proxy(conn *tls.Conn, leaf *x509.Certificate) {
	var target struct {
		TargetHost string `json:"targetHost"`
		TargetPort int    `json:"targetPort"`
	}
	found := false
	for _, ext := range leaf.Extensions {
		if ext.Id.Equal(routingInfoOID) {
			found = json.Unmarshal(ext.Value, &target) == nil
		}
	}
	if !found {
		peerapi.Logf("no routing extension")
		return
	}
	upstream, err := net.DialTimeout("tcp", net.JoinHostPort(target.TargetHost, strconv.Itoa(target.TargetPort)), 10*time.Second)
	if err != nil {
		peerapi.Logf("target dial failed", "err", err)
		return
	}
	defer upstream.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(upstream, conn); done <- struct{}{} }()
	go func() { io.Copy(conn, upstream); done <- struct{}{} }()
	<-done // either side ended: the reference ends the stream
}
