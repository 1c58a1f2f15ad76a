package sts

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/xml"
	"time"
)

const xmlns = "https://sts.amazonaws.com/doc/2011-06-15/"

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type xmlAssumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type xmlAssumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleWithWebIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		SubjectFromWebIdentityToken string             `xml:"SubjectFromWebIdentityToken"`
		Audience                    string             `xml:"Audience"`
		AssumedRoleUser             xmlAssumedRoleUser `xml:"AssumedRoleUser"`
		Credentials                 xmlCredentials     `xml:"Credentials"`
		Provider                    string             `xml:"Provider"`
	} `xml:"AssumeRoleWithWebIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type xmlErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// roleID is a stable id of a role ARN, AWS-style ("AROA" + 16 characters).
func roleID(arn string) string {
	h := sha256.Sum256([]byte(arn))
	return "AROA" + base32.StdEncoding.EncodeToString(h[:10])
}

func successXML(reqID, subject, audience, provider, roleARN, account, roleName, session string, c credentials) []byte {
	var r xmlAssumeRoleResponse
	r.Xmlns, r.RequestID = xmlns, reqID
	r.Result.SubjectFromWebIdentityToken = subject
	r.Result.Audience = audience
	r.Result.Provider = provider
	r.Result.AssumedRoleUser = xmlAssumedRoleUser{
		Arn:           "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + session,
		AssumedRoleID: roleID(roleARN) + ":" + session,
	}
	r.Result.Credentials = xmlCredentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expiration.UTC().Format(time.RFC3339)}
	out, _ := xml.Marshal(r)
	return append([]byte(xml.Header), out...)
}

func errorXML(reqID string, e *Error) []byte {
	var r xmlErrorResponse
	r.Xmlns, r.RequestID = xmlns, reqID
	r.Error.Type = "Sender"
	if e.Status >= 500 {
		r.Error.Type = "Receiver"
	}
	r.Error.Code, r.Error.Message = e.Code, e.Message
	out, _ := xml.Marshal(r)
	return append([]byte(xml.Header), out...)
}
