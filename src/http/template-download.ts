import { templateCsv } from "../imports/report-csv";
import { csvAttachment } from "./csv-attachment";

/** The template's file name, the same from the Import Users page and from the API. */
export const templateFileName = "users-template.csv";

/** The template as a download: the header row alone, under its one name. */
export function templateDownload(): Response {
  return new Response(templateCsv(), { headers: csvAttachment(templateFileName) });
}
