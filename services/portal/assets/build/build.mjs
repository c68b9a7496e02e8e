// Builds ../static from the pinned packages: the compiled stylesheet (system
// fonts, no crown), GOV.UK Frontend's JavaScript, axe-core for the browser
// tests, and each package's licence beside its files.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import * as sass from "sass";

const out = new URL("../static/", import.meta.url);
mkdirSync(out, { recursive: true });
const css = sass.compile(new URL("portal.scss", import.meta.url).pathname, {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(new URL("portal.css", out), css.css);
const copy = (from, to) => copyFileSync(new URL(from, import.meta.url), new URL(to, out));
copy("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk-frontend.min.js");
// The npm package ships no licence file; its README and package.json say MIT,
// copyright the Crown (Government Digital Service).
writeFileSync(new URL("LICENSE-govuk-frontend.txt", out), mitLicence("Crown Copyright (Government Digital Service)"));
copy("node_modules/axe-core/axe.min.js", "axe.min.js");
copy("node_modules/axe-core/LICENSE", "LICENSE-axe-core.txt");
console.log("assets built in", out.pathname);

function mitLicence(holder) {
  return `The MIT License (MIT)

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;
}
