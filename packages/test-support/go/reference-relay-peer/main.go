// Command reference-relay-peer is Burrow's own Go test peer: it behaves on the wire as the
// reference relay does (../shared/reference/infisical-gateway-protocol.md §3), on Go's
// x/crypto/ssh and crypto/tls, so Burrow's gateway and control plane are tested against the SSH and
// TLS stacks the reference is built on. Written for Burrow's tests; not a relay to deploy.
//
// Contract (what it does, in order):
//
//	login      POST <api>/v1/auth/universal-auth/login {clientId, clientSecret} -> accessToken
//	register   POST <api>/v1/relays/register-org-relay {host, name, sshPort, tlsPort}
//	           -> {pki, ssh} (sshPort/tlsPort, Burrow's extension, tell the control plane the free
//	           ports a test chose; the reference hard-codes 2222/8443 and sends neither)
//	ssh :port  x/crypto/ssh server, MaxAuthTries 3, host key = ssh.serverCertificate as a cert
//	           signer. Public-key auth only, and only user certificates: signed by exactly
//	           ssh.clientCAPublicKey, checked by CertChecker.CheckCert(user, cert) (principal =
//	           the SSH user, validity, signature, critical options), KeyId "client-<relay name>",
//	           principal #0 = the gateway ID. A second connection for a gateway ID still in the
//	           map is closed (first connection wins). Global requests are answered false; channels
//	           opened by the gateway are rejected. 30 s to finish the SSH handshake.
//	tls :port  crypto/tls, pki.serverCertificate, client certificates required and verified
//	           against pki.clientCertificateChain, TLS >= 1.2, no ALPN, 5 s handshake deadline.
//	           Routing on the client certificate's Subject CN: the all-zero CN is the heartbeat
//	           probe (closed after the handshake); extension 1.3.6.1.4.1.12345.100.3 must be JSON
//	           {name} when present; an unknown gateway is closed without a byte written; otherwise
//	           OpenChannel("direct-tcpip", nil) — an EMPTY payload — on that gateway's connection
//	           and copy both ways (caller EOF -> channel CloseWrite).
//	heartbeat  POST <api>/v1/relays/heartbeat-org-relay {name} every 10 s until the first success,
//	           then every 30 min.
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

const heartbeatCN = "00000000-0000-0000-0000-000000000000"

var gatewayNameOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 12345, 100, 3}

type registration struct {
	PKI struct {
		ServerCertificate      string `json:"serverCertificate"`
		ServerPrivateKey       string `json:"serverPrivateKey"`
		ClientCertificateChain string `json:"clientCertificateChain"`
	} `json:"pki"`
	SSH struct {
		ServerCertificate string `json:"serverCertificate"`
		ServerPrivateKey  string `json:"serverPrivateKey"`
		ClientCAPublicKey string `json:"clientCAPublicKey"`
	} `json:"ssh"`
}

type relay struct {
	api                                *peerapi.Client
	name, host, clientID, clientSecret string
	sshPort, tlsPort                   int

	mu      sync.Mutex
	tunnels map[string]*ssh.ServerConn
}

func fail(event string, err error) {
	peerapi.Logf(event, "err", err)
	os.Exit(1)
}

func main() {
	sshPort := flag.Int("ssh-port", 2222, "SSH port for gateways (the reference always uses 2222)")
	tlsPort := flag.Int("tls-port", 8443, "TLS port for callers (the reference always uses 8443)")
	flag.Parse()
	r := &relay{
		api:          peerapi.NewClient(os.Getenv("INFISICAL_API_URL")),
		name:         os.Getenv("INFISICAL_RELAY_NAME"),
		host:         os.Getenv("INFISICAL_RELAY_HOST"),
		clientID:     os.Getenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"),
		clientSecret: os.Getenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"),
		sshPort:      *sshPort,
		tlsPort:      *tlsPort,
		tunnels:      map[string]*ssh.ServerConn{},
	}
	if r.api.APIURL == "" || r.name == "" || r.host == "" || r.clientID == "" || r.clientSecret == "" {
		fmt.Fprintln(os.Stderr, "usage: INFISICAL_API_URL INFISICAL_RELAY_NAME INFISICAL_RELAY_HOST INFISICAL_UNIVERSAL_AUTH_CLIENT_ID/_SECRET reference-relay-peer [-ssh-port N] [-tls-port N]")
		os.Exit(2)
	}
	if err := r.api.LoginUniversalAuth(r.clientID, r.clientSecret); err != nil {
		fail("login failed", err)
	}
	reg, err := r.register()
	if err != nil {
		fail("register failed", err)
	}
	sshConfig, err := r.sshServerConfig(reg)
	if err != nil {
		fail("ssh config failed", err)
	}
	tlsConfig, err := tlsServerConfig(reg)
	if err != nil {
		fail("tls config failed", err)
	}
	sshListener, err := net.Listen("tcp", net.JoinHostPort(r.host, strconv.Itoa(r.sshPort)))
	if err != nil {
		fail("ssh listen failed", err)
	}
	tlsListener, err := net.Listen("tcp", net.JoinHostPort(r.host, strconv.Itoa(r.tlsPort)))
	if err != nil {
		fail("tls listen failed", err)
	}
	go r.serveSSH(sshListener, sshConfig)
	go r.serveTLS(tlsListener, tlsConfig)
	peerapi.Logf("listening", "ssh", sshListener.Addr(), "tls", tlsListener.Addr())
	r.heartbeat()
}

func (r *relay) register() (*registration, error) {
	var reg registration
	body := map[string]interface{}{"host": r.host, "name": r.name, "sshPort": r.sshPort, "tlsPort": r.tlsPort}
	if err := r.api.Post("/v1/relays/register-org-relay", body, &reg); err != nil {
		return nil, err
	}
	peerapi.Logf("registered", "name", r.name, "host", r.host)
	return &reg, nil
}

func (r *relay) heartbeat() {
	interval := 10 * time.Second
	for {
		if err := r.api.Post("/v1/relays/heartbeat-org-relay", map[string]string{"name": r.name}, nil); err != nil {
			peerapi.Logf("heartbeat failed", "err", err)
		} else {
			peerapi.Logf("heartbeat ok")
			interval = 30 * time.Minute
		}
		time.Sleep(interval)
	}
}

func (r *relay) sshServerConfig(reg *registration) (*ssh.ServerConfig, error) {
	hostCert, hostSigner, err := peerapi.CertSigner(reg.SSH.ServerCertificate, reg.SSH.ServerPrivateKey, "ssh.serverCertificate")
	if err != nil {
		return nil, err
	}
	ca, err := peerapi.ParsePublicKey(reg.SSH.ClientCAPublicKey, "ssh.clientCAPublicKey")
	if err != nil {
		return nil, err
	}
	checker := &ssh.CertChecker{
		IsUserAuthority: func(auth ssh.PublicKey) bool { return bytes.Equal(auth.Marshal(), ca.Marshal()) },
	}
	config := &ssh.ServerConfig{
		MaxAuthTries: 3,
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			cert, ok := key.(*ssh.Certificate)
			if !ok {
				return nil, errors.New("certificates required")
			}
			if cert.CertType != ssh.UserCert {
				return nil, errors.New("a user certificate is required")
			}
			if err := checker.CheckCert(meta.User(), cert); err != nil {
				return nil, err
			}
			if len(cert.ValidPrincipals) == 0 {
				return nil, errors.New("the certificate names no gateway")
			}
			if cert.KeyId != "client-"+r.name {
				return nil, fmt.Errorf("key ID %q is not for this relay", cert.KeyId)
			}
			gatewayName := ""
			if len(cert.ValidPrincipals) > 1 {
				gatewayName = cert.ValidPrincipals[1]
			}
			return &ssh.Permissions{Extensions: map[string]string{
				"gateway-id":   cert.ValidPrincipals[0],
				"gateway-name": gatewayName,
				"key-type":     cert.Key.Type(),
			}}, nil
		},
	}
	config.AddHostKey(hostSigner)
	peerapi.Logf("host key", "type", hostCert.Type(), "keyType", hostCert.Key.Type())
	return config, nil
}

func tlsServerConfig(reg *registration) (*tls.Config, error) {
	config, leaf, err := peerapi.MutualTLSServer(reg.PKI.ServerCertificate, reg.PKI.ServerPrivateKey, reg.PKI.ClientCertificateChain)
	if err != nil {
		return nil, err
	}
	peerapi.Logf("tls certificate", "keyAlgorithm", leaf.PublicKeyAlgorithm, "bits", rsaBits(leaf))
	return config, nil
}

func (r *relay) serveSSH(listener net.Listener, config *ssh.ServerConfig) {
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail("ssh accept failed", err)
		}
		go r.handleGateway(conn, config)
	}
}

func (r *relay) handleGateway(conn net.Conn, config *ssh.ServerConfig) {
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	sshConn, channels, requests, err := ssh.NewServerConn(conn, config)
	if err != nil {
		peerapi.Logf("gateway refused", "err", err)
		conn.Close()
		return
	}
	conn.SetDeadline(time.Time{})
	gatewayID := sshConn.Permissions.Extensions["gateway-id"]
	r.mu.Lock()
	_, taken := r.tunnels[gatewayID]
	if !taken {
		r.tunnels[gatewayID] = sshConn
	}
	r.mu.Unlock()
	if taken {
		peerapi.Logf("duplicate gateway connection closed", "gatewayId", gatewayID)
		sshConn.Close()
		return
	}
	peerapi.Logf("gateway connected", "gatewayId", gatewayID,
		"gatewayName", sshConn.Permissions.Extensions["gateway-name"],
		"keyType", sshConn.Permissions.Extensions["key-type"],
		"clientVersion", string(sshConn.ClientVersion()))
	go func() {
		for req := range requests {
			peerapi.Logf("global request refused", "gatewayId", gatewayID, "type", req.Type)
			if req.WantReply {
				req.Reply(false, nil)
			}
		}
	}()
	go func() {
		for newChannel := range channels {
			newChannel.Reject(ssh.Prohibited, "the relay opens channels, gateways do not")
		}
	}()
	err = sshConn.Wait()
	r.mu.Lock()
	if r.tunnels[gatewayID] == sshConn {
		delete(r.tunnels, gatewayID)
	}
	r.mu.Unlock()
	peerapi.Logf("gateway disconnected", "gatewayId", gatewayID, "err", err)
}

func (r *relay) serveTLS(listener net.Listener, config *tls.Config) {
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail("tls accept failed", err)
		}
		go r.handleCaller(tls.Server(conn, config))
	}
}

func (r *relay) handleCaller(conn *tls.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := conn.Handshake(); err != nil {
		peerapi.Logf("caller handshake failed", "err", err)
		return
	}
	conn.SetDeadline(time.Time{})
	leaf := conn.ConnectionState().PeerCertificates[0]
	gatewayID := leaf.Subject.CommonName
	if gatewayID == heartbeatCN {
		peerapi.Logf("heartbeat probe")
		return
	}
	gatewayName := ""
	for _, ext := range leaf.Extensions {
		if ext.Id.Equal(gatewayNameOID) {
			var named struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(ext.Value, &named); err != nil {
				peerapi.Logf("caller refused", "reason", "malformed gateway name extension")
				return
			}
			gatewayName = named.Name
		}
	}
	r.mu.Lock()
	sshConn := r.tunnels[gatewayID]
	r.mu.Unlock()
	if sshConn == nil {
		// No plaintext: the caller is about to start its inner TLS handshake.
		peerapi.Logf("caller refused", "reason", "gateway not connected", "gatewayId", gatewayID)
		return
	}
	channel, requests, err := sshConn.OpenChannel("direct-tcpip", nil)
	if err != nil {
		peerapi.Logf("channel open failed", "gatewayId", gatewayID, "err", err)
		return
	}
	go ssh.DiscardRequests(requests)
	defer channel.Close()
	peerapi.Logf("caller routed", "gatewayId", gatewayID, "gatewayName", gatewayName,
		"keyAlgorithm", leaf.PublicKeyAlgorithm, "bits", rsaBits(leaf))
	go func() {
		io.Copy(channel, conn)
		channel.CloseWrite()
	}()
	io.Copy(conn, channel)
}

func rsaBits(cert *x509.Certificate) int {
	if key, ok := cert.PublicKey.(interface{ Size() int }); ok && cert.PublicKeyAlgorithm == x509.RSA {
		return key.Size() * 8
	}
	return 0
}
