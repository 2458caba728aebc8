// GET, POST, PUT /api/inngest – Inngest serve endpoint: introspection, sync, and step execution of inngest/functions
import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";

export const { GET, POST, PUT } = serve({ client: inngest, functions });
