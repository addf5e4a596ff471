package peerapi

// The credentials both peers get from the control plane, parsed as the reference parses them:
// OpenSSH certificates and CA keys in authorized_keys form, PEM keys, and a TLS server that
// requires client certificates chaining to a PEM bundle.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// CertSigner signs with privateKey (PEM) and presents certificate (an authorized_keys line);
// field names the JSON field in errors, e.g. "ssh.clientCertificate".
func CertSigner(certificate, privateKey, field string) (*ssh.Certificate, ssh.Signer, error) {
	key, err := ssh.ParsePrivateKey([]byte(privateKey))
	if err != nil {
		return nil, nil, fmt.Errorf("%s private key: %w", field, err)
	}
	parsed, err := ParsePublicKey(certificate, field)
	if err != nil {
		return nil, nil, err
	}
	cert, ok := parsed.(*ssh.Certificate)
	if !ok {
		return nil, nil, fmt.Errorf("%s is not a certificate", field)
	}
	signer, err := ssh.NewCertSigner(cert, key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", field, err)
	}
	return cert, signer, nil
}

// ParsePublicKey reads one authorized_keys line (a CA key or a certificate).
func ParsePublicKey(line, field string) (ssh.PublicKey, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return key, nil
}

// MutualTLSServer is the TLS server both peers run (the gateway's inner one, the relay's :8443):
// certificate and key in PEM, client certificates required and verified against every
// certificate of clientChain, TLS >= 1.2. It returns the server certificate's leaf too.
func MutualTLSServer(certificate, privateKey, clientChain string) (*tls.Config, *x509.Certificate, error) {
	pair, err := tls.X509KeyPair([]byte(certificate), []byte(privateKey))
	if err != nil {
		return nil, nil, fmt.Errorf("pki.serverCertificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, nil, fmt.Errorf("pki.serverCertificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(clientChain)) {
		return nil, nil, errors.New("pki.clientCertificateChain holds no certificate")
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, leaf, nil
}
