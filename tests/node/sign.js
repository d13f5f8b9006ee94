// Sign a SAML assertion with the npm "saml" package (auth0/node-saml), an implementation that
// shares no code with wsbind. Usage: node sign.js '<json options>'; prints the assertion XML.
// Options: version ("1.1" or "2.0"), key and cert (PEM file paths), issuer, subject, audience,
// lifetime (seconds), attributes (object), encryptTo (a PEM certificate path: SAML 2.0 only).
"use strict";
const fs = require("fs");
const saml = require("saml");

const options = JSON.parse(process.argv[2]);
const settings = {
  cert: fs.readFileSync(options.cert),
  key: fs.readFileSync(options.key),
  issuer: options.issuer,
  lifetimeInSeconds: options.lifetime || 600,
  audiences: options.audience,
  nameIdentifier: options.subject,
  attributes: options.attributes || {},
  signatureAlgorithm: "rsa-sha256",
  digestAlgorithm: "sha256",
};
const flavour = options.version === "1.1" ? saml.Saml11 : saml.Saml20;
if (options.encryptTo) {
  settings.encryptionCert = fs.readFileSync(options.encryptTo);
  settings.encryptionPublicKey = fs.readFileSync(options.encryptToPublicKey);
  settings.encryptionAlgorithm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
  settings.keyEncryptionAlgorithm = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
  flavour.create(settings, (error, xml) => {
    if (error) {
      console.error(String(error));
      process.exit(1);
    }
    process.stdout.write(xml);
  });
} else {
  process.stdout.write(flavour.create(settings));
}
